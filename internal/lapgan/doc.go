// Package lapgan is a Laplacian pyramid of adversarial networks (LAPGAN,
// Denton et al. 2015, "Deep Generative Image Models using a Laplacian
// Pyramid of Adversarial Networks") with multilayer perceptrons in place
// of the paper's convolutional networks, for 28×28 digits.
//
// # The pyramid
//
// An image I_0 (28×28) is reduced twice, I_{l+1} = down(I_l), to I_1
// (14×14) and I_2 (7×7). Its Laplacian pyramid is the coarsest image I_2
// and the residuals h_l = I_l - up(I_{l+1}) for l = 1, 0; collapsing it,
// I_l = up(I_{l+1}) + h_l, gives the image back exactly (up to float32
// rounding). down is 2×2 average pooling and up is half-pixel-aligned
// bilinear interpolation (model.PyramidOps; bilinear leaves 6% less
// residual energy than nearest-neighbour on the embedded digits, and
// smooth rather than blocky conditions).
//
// # The levels
//
// Level 2 is an ordinary GAN of 7×7 images: G_2 maps noise z (Latent,
// U[-1,1)) through a sigmoid to 49 pixels in [0,1], D_2 sees the 49 pixels.
// Levels 1 and 0 are conditional GANs of the residual: with P the level's
// pixel count and u = up(I_{l+1}) the upsampled coarser image,
//
//	G_l([z, u]) = h̃        (input Latent+P, output P through tanh)
//	D_l([u + h, u]) = logit (input 2P)
//
// G's output is a tanh because a residual of images in [0,1] lies in
// [-1,1]: the bound is exact, and tanh is the identity near 0, where most
// residual values are. D sees the residual added to its low-pass image, as
// Denton et al. add it before D's first layer, beside the condition u
// itself; the gradient reaching G is the image columns' gradient, since
// the sum's derivative in h is the identity. The residual generators'
// output-layer weights start at a tenth of their Glorot draw, so that an
// untrained level passes its coarse image through nearly unchanged
// (residual standard deviation about 0.04 instead of 0.4; the real
// residuals' is 0.16 at 14×14 and 0.12 at 28×28).
//
// # Training
//
// Each level's GAN trains on the pyramid of the real images alone,
// independently of the other levels (the paper's procedure): every
// iteration gathers a batch of 28×28 images, reduces it to the level and
// to the level below, and runs one discriminator update (the real batch
// beside as many generated rows, both with the real batch's condition
// u) and one generator update (non-saturating loss, fresh noise, same u),
// all as backend operations (so a capturing backend records the iteration
// once). Levels train one after the other, coarsest first; after each,
// Train rewrites the run directory's checkpoint (lapgan.ckpt, arrays
// named level<l>/<g|d>/<params|adam_m|adam_v>) atomically.
//
// # Sampling
//
// Sampler runs the coarse-to-fine chain: I_2 = G_2(z_2), then
// I_l = clamp(up(I_{l+1}) + G_l([z_l, up(I_{l+1})]), 0, 1) for l = 1, 0.
//
// # Backends
//
// Any model.Backend will do: LAPGAN uses its pyramid operations
// (model.PyramidOps) and its column copies (model.LayoutOps.CopyCols,
// which place z or an image beside its condition in a row).
package lapgan

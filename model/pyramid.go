package model

// PyramidOps provide the resampling operations of a Laplacian pyramid
// (Burt and Adelson 1983), which LAPGAN (Denton et al. 2015) generates
// coarse to fine.
//
// Images are the rows of a row-major array, each row one h×w image stored
// row by row. The pair of operators:
//
//   - Downsample2x is 2×2 average pooling (a box filter followed by
//     decimation). Every fine pixel belongs to exactly one coarse pixel.
//   - Upsample2x is bilinear interpolation with pixel centres aligned
//     ("half-pixel", align_corners=false): coarse pixel i's centre lies
//     between fine pixels 2i and 2i+1, so in each dimension fine pixel 2i
//     takes 3/4 of coarse pixel i and 1/4 of coarse pixel i-1, and fine
//     pixel 2i+1 takes 3/4 of i and 1/4 of i+1, the missing neighbour at
//     a border being replaced by the edge pixel (clamping). In two
//     dimensions the weights are the products: 9/16, 3/16, 3/16, 1/16.
//
// Bilinear was chosen over nearest-neighbour upsampling because it leaves
// less for the generators to produce: on the embedded training digits the
// residuals of the 28×28 level carry 10% less energy than with
// nearest-neighbour (sum of squares 1.04e5 against 1.16e5), those of the
// 14×14 level 5% more (4.67e4 against 4.45e4), 6% less in all; and the
// upsampled coarse images that condition the generators are smooth rather
// than blocky.
type PyramidOps interface {
	// Downsample2x averages each 2×2 block of pixels:
	//   dst[r, i, j] = (src[r, 2i, 2j] + src[r, 2i, 2j+1] +
	//                   src[r, 2i+1, 2j] + src[r, 2i+1, 2j+1]) / 4
	// src is (rows, h*w) with h and w even, dst is (rows, (h/2)*(w/2)).
	Downsample2x(dst, src Buf, rows, h, w int)
	// Upsample2x interpolates each h×w image of src bilinearly to
	// 2h×2w (see PyramidOps for the weights) and combines it with dst:
	//   dst = alpha*up(src) + beta*dst
	// With beta == 0 dst is only written, never read (a NaN there does not
	// survive). alpha=1, beta=0 upsamples; alpha=-1, beta=1 turns an image
	// in dst into its Laplacian residual; alpha=1, beta=1 adds the
	// upsampled coarse image back to a residual.
	// src is (rows, h*w), dst is (rows, 2h*2w); they must not overlap.
	Upsample2x(dst, src Buf, rows, h, w int, alpha, beta float32)
}

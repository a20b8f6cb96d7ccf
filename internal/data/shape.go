package data

// The shape of the images the trainers and the evaluator work on: 28x28
// greyscale with ten classes, as in MNIST, Fashion-MNIST and the embedded
// digits. Open and OpenTest check it when given WithImageSize(ImageSide,
// ImageSide).
const (
	// ImageSide is the width and height of one image.
	ImageSide = 28
	// ImageSize is the number of pixels of one flattened image.
	ImageSize = ImageSide * ImageSide
	// Classes is the number of class labels: the digits 0 to 9, or
	// Fashion-MNIST's ten kinds of garment.
	Classes = 10
)

package rng

import "math"

const (
	m0 = 0xD2511F53
	m1 = 0xCD9E8D57
	w0 = 0x9E3779B9 // golden ratio
	w1 = 0xBB67AE85 // sqrt(3) - 1
)

// Philox4x32 returns the ten-round Philox4x32 output for counter c and key k.
func Philox4x32(c [4]uint32, k [2]uint32) [4]uint32 {
	for r := 0; r < 10; r++ {
		p0 := uint64(m0) * uint64(c[0])
		p1 := uint64(m1) * uint64(c[2])
		hi0, lo0 := uint32(p0>>32), uint32(p0)
		hi1, lo1 := uint32(p1>>32), uint32(p1)
		c = [4]uint32{hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0}
		k[0] += w0
		k[1] += w1
	}
	return c
}

// Key splits a 64-bit seed into a Philox key.
func Key(seed uint64) [2]uint32 { return [2]uint32{uint32(seed), uint32(seed >> 32)} }

// Block returns the four raw draws of block j (indices 4j..4j+3).
func Block(seed uint64, stream, step uint32, j int) [4]uint32 {
	return Philox4x32([4]uint32{uint32(j), step, stream, 0}, Key(seed))
}

// ToUniform01 maps a raw draw to [0,1) with 24 bits of precision.
func ToUniform01(x uint32) float32 { return float32(x>>8) * (1.0 / (1 << 24)) }

// BoxMuller maps two raw draws to two Normal(0,1) values.
func BoxMuller(a, b uint32) (float32, float32) {
	u1 := float64((a>>8)+1) * (1.0 / (1 << 24))
	u2 := float64(b>>8) * (1.0 / (1 << 24))
	r := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	return float32(r * c), float32(r * s)
}

// FillUniform01 sets dst[i] to the Uniform01 draw for index i.
func FillUniform01(dst []float32, seed uint64, stream, step uint32) {
	for j := 0; 4*j < len(dst); j++ {
		x := Block(seed, stream, step, j)
		for l := 0; l < 4 && 4*j+l < len(dst); l++ {
			dst[4*j+l] = ToUniform01(x[l])
		}
	}
}

// FillUniformPM1 sets dst[i] to the UniformPM1 draw for index i.
func FillUniformPM1(dst []float32, seed uint64, stream, step uint32) {
	FillUniform01(dst, seed, stream, step)
	for i, u := range dst {
		dst[i] = 2*u - 1
	}
}

// FillNormal sets dst[i] to the Normal draw for index i.
func FillNormal(dst []float32, seed uint64, stream, step uint32) {
	for j := 0; 4*j < len(dst); j++ {
		x := Block(seed, stream, step, j)
		var n [4]float32
		n[0], n[1] = BoxMuller(x[0], x[1])
		n[2], n[3] = BoxMuller(x[2], x[3])
		for l := 0; l < 4 && 4*j+l < len(dst); l++ {
			dst[4*j+l] = n[l]
		}
	}
}

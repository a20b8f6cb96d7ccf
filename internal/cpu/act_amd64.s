//go:build !purego

#include "textflag.h"

// AVX2 loops of the activations and their derivatives (see act.go). Each
// performs the float32 operations of its scalar twin in act.go in the same
// order, with no fused multiply-add, so that the two give the same bits.
// Each processes the first len &^ 7 elements, eight at a time; the Go
// callers check the lengths and finish the tail with the scalar loop.

// actk holds each constant of act.go eight times over (one YMM vector each),
// at the offsets K_*.
#define K_lo 0
#define K_hi 32
#define K_log2e 64
#define K_c1 96
#define K_c2 128
#define K_p0 160
#define K_p1 192
#define K_p2 224
#define K_p3 256
#define K_p4 288
#define K_p5 320
#define K_one 352
#define K_two 384
#define K_i127 416
#define K_cut 448
#define K_t0 480
#define K_t1 512
#define K_t2 544
#define K_t3 576
#define K_t4 608
#define K_abs 640
#define K_sign 672

DATA actk<>+0(SB)/4, $0xc2ae0000
DATA actk<>+4(SB)/4, $0xc2ae0000
DATA actk<>+8(SB)/4, $0xc2ae0000
DATA actk<>+12(SB)/4, $0xc2ae0000
DATA actk<>+16(SB)/4, $0xc2ae0000
DATA actk<>+20(SB)/4, $0xc2ae0000
DATA actk<>+24(SB)/4, $0xc2ae0000
DATA actk<>+28(SB)/4, $0xc2ae0000
DATA actk<>+32(SB)/4, $0x42b00000
DATA actk<>+36(SB)/4, $0x42b00000
DATA actk<>+40(SB)/4, $0x42b00000
DATA actk<>+44(SB)/4, $0x42b00000
DATA actk<>+48(SB)/4, $0x42b00000
DATA actk<>+52(SB)/4, $0x42b00000
DATA actk<>+56(SB)/4, $0x42b00000
DATA actk<>+60(SB)/4, $0x42b00000
DATA actk<>+64(SB)/4, $0x3fb8aa3b
DATA actk<>+68(SB)/4, $0x3fb8aa3b
DATA actk<>+72(SB)/4, $0x3fb8aa3b
DATA actk<>+76(SB)/4, $0x3fb8aa3b
DATA actk<>+80(SB)/4, $0x3fb8aa3b
DATA actk<>+84(SB)/4, $0x3fb8aa3b
DATA actk<>+88(SB)/4, $0x3fb8aa3b
DATA actk<>+92(SB)/4, $0x3fb8aa3b
DATA actk<>+96(SB)/4, $0x3f318000
DATA actk<>+100(SB)/4, $0x3f318000
DATA actk<>+104(SB)/4, $0x3f318000
DATA actk<>+108(SB)/4, $0x3f318000
DATA actk<>+112(SB)/4, $0x3f318000
DATA actk<>+116(SB)/4, $0x3f318000
DATA actk<>+120(SB)/4, $0x3f318000
DATA actk<>+124(SB)/4, $0x3f318000
DATA actk<>+128(SB)/4, $0xb95e8083
DATA actk<>+132(SB)/4, $0xb95e8083
DATA actk<>+136(SB)/4, $0xb95e8083
DATA actk<>+140(SB)/4, $0xb95e8083
DATA actk<>+144(SB)/4, $0xb95e8083
DATA actk<>+148(SB)/4, $0xb95e8083
DATA actk<>+152(SB)/4, $0xb95e8083
DATA actk<>+156(SB)/4, $0xb95e8083
DATA actk<>+160(SB)/4, $0x39506967
DATA actk<>+164(SB)/4, $0x39506967
DATA actk<>+168(SB)/4, $0x39506967
DATA actk<>+172(SB)/4, $0x39506967
DATA actk<>+176(SB)/4, $0x39506967
DATA actk<>+180(SB)/4, $0x39506967
DATA actk<>+184(SB)/4, $0x39506967
DATA actk<>+188(SB)/4, $0x39506967
DATA actk<>+192(SB)/4, $0x3ab743ce
DATA actk<>+196(SB)/4, $0x3ab743ce
DATA actk<>+200(SB)/4, $0x3ab743ce
DATA actk<>+204(SB)/4, $0x3ab743ce
DATA actk<>+208(SB)/4, $0x3ab743ce
DATA actk<>+212(SB)/4, $0x3ab743ce
DATA actk<>+216(SB)/4, $0x3ab743ce
DATA actk<>+220(SB)/4, $0x3ab743ce
DATA actk<>+224(SB)/4, $0x3c088908
DATA actk<>+228(SB)/4, $0x3c088908
DATA actk<>+232(SB)/4, $0x3c088908
DATA actk<>+236(SB)/4, $0x3c088908
DATA actk<>+240(SB)/4, $0x3c088908
DATA actk<>+244(SB)/4, $0x3c088908
DATA actk<>+248(SB)/4, $0x3c088908
DATA actk<>+252(SB)/4, $0x3c088908
DATA actk<>+256(SB)/4, $0x3d2aa9c1
DATA actk<>+260(SB)/4, $0x3d2aa9c1
DATA actk<>+264(SB)/4, $0x3d2aa9c1
DATA actk<>+268(SB)/4, $0x3d2aa9c1
DATA actk<>+272(SB)/4, $0x3d2aa9c1
DATA actk<>+276(SB)/4, $0x3d2aa9c1
DATA actk<>+280(SB)/4, $0x3d2aa9c1
DATA actk<>+284(SB)/4, $0x3d2aa9c1
DATA actk<>+288(SB)/4, $0x3e2aaaaa
DATA actk<>+292(SB)/4, $0x3e2aaaaa
DATA actk<>+296(SB)/4, $0x3e2aaaaa
DATA actk<>+300(SB)/4, $0x3e2aaaaa
DATA actk<>+304(SB)/4, $0x3e2aaaaa
DATA actk<>+308(SB)/4, $0x3e2aaaaa
DATA actk<>+312(SB)/4, $0x3e2aaaaa
DATA actk<>+316(SB)/4, $0x3e2aaaaa
DATA actk<>+320(SB)/4, $0x3f000000
DATA actk<>+324(SB)/4, $0x3f000000
DATA actk<>+328(SB)/4, $0x3f000000
DATA actk<>+332(SB)/4, $0x3f000000
DATA actk<>+336(SB)/4, $0x3f000000
DATA actk<>+340(SB)/4, $0x3f000000
DATA actk<>+344(SB)/4, $0x3f000000
DATA actk<>+348(SB)/4, $0x3f000000
DATA actk<>+352(SB)/4, $0x3f800000
DATA actk<>+356(SB)/4, $0x3f800000
DATA actk<>+360(SB)/4, $0x3f800000
DATA actk<>+364(SB)/4, $0x3f800000
DATA actk<>+368(SB)/4, $0x3f800000
DATA actk<>+372(SB)/4, $0x3f800000
DATA actk<>+376(SB)/4, $0x3f800000
DATA actk<>+380(SB)/4, $0x3f800000
DATA actk<>+384(SB)/4, $0x40000000
DATA actk<>+388(SB)/4, $0x40000000
DATA actk<>+392(SB)/4, $0x40000000
DATA actk<>+396(SB)/4, $0x40000000
DATA actk<>+400(SB)/4, $0x40000000
DATA actk<>+404(SB)/4, $0x40000000
DATA actk<>+408(SB)/4, $0x40000000
DATA actk<>+412(SB)/4, $0x40000000
DATA actk<>+416(SB)/4, $0x0000007f
DATA actk<>+420(SB)/4, $0x0000007f
DATA actk<>+424(SB)/4, $0x0000007f
DATA actk<>+428(SB)/4, $0x0000007f
DATA actk<>+432(SB)/4, $0x0000007f
DATA actk<>+436(SB)/4, $0x0000007f
DATA actk<>+440(SB)/4, $0x0000007f
DATA actk<>+444(SB)/4, $0x0000007f
DATA actk<>+448(SB)/4, $0x3f200000
DATA actk<>+452(SB)/4, $0x3f200000
DATA actk<>+456(SB)/4, $0x3f200000
DATA actk<>+460(SB)/4, $0x3f200000
DATA actk<>+464(SB)/4, $0x3f200000
DATA actk<>+468(SB)/4, $0x3f200000
DATA actk<>+472(SB)/4, $0x3f200000
DATA actk<>+476(SB)/4, $0x3f200000
DATA actk<>+480(SB)/4, $0xbbbaf0ea
DATA actk<>+484(SB)/4, $0xbbbaf0ea
DATA actk<>+488(SB)/4, $0xbbbaf0ea
DATA actk<>+492(SB)/4, $0xbbbaf0ea
DATA actk<>+496(SB)/4, $0xbbbaf0ea
DATA actk<>+500(SB)/4, $0xbbbaf0ea
DATA actk<>+504(SB)/4, $0xbbbaf0ea
DATA actk<>+508(SB)/4, $0xbbbaf0ea
DATA actk<>+512(SB)/4, $0x3ca9134e
DATA actk<>+516(SB)/4, $0x3ca9134e
DATA actk<>+520(SB)/4, $0x3ca9134e
DATA actk<>+524(SB)/4, $0x3ca9134e
DATA actk<>+528(SB)/4, $0x3ca9134e
DATA actk<>+532(SB)/4, $0x3ca9134e
DATA actk<>+536(SB)/4, $0x3ca9134e
DATA actk<>+540(SB)/4, $0x3ca9134e
DATA actk<>+544(SB)/4, $0xbd5c1e2d
DATA actk<>+548(SB)/4, $0xbd5c1e2d
DATA actk<>+552(SB)/4, $0xbd5c1e2d
DATA actk<>+556(SB)/4, $0xbd5c1e2d
DATA actk<>+560(SB)/4, $0xbd5c1e2d
DATA actk<>+564(SB)/4, $0xbd5c1e2d
DATA actk<>+568(SB)/4, $0xbd5c1e2d
DATA actk<>+572(SB)/4, $0xbd5c1e2d
DATA actk<>+576(SB)/4, $0x3e088393
DATA actk<>+580(SB)/4, $0x3e088393
DATA actk<>+584(SB)/4, $0x3e088393
DATA actk<>+588(SB)/4, $0x3e088393
DATA actk<>+592(SB)/4, $0x3e088393
DATA actk<>+596(SB)/4, $0x3e088393
DATA actk<>+600(SB)/4, $0x3e088393
DATA actk<>+604(SB)/4, $0x3e088393
DATA actk<>+608(SB)/4, $0xbeaaaa99
DATA actk<>+612(SB)/4, $0xbeaaaa99
DATA actk<>+616(SB)/4, $0xbeaaaa99
DATA actk<>+620(SB)/4, $0xbeaaaa99
DATA actk<>+624(SB)/4, $0xbeaaaa99
DATA actk<>+628(SB)/4, $0xbeaaaa99
DATA actk<>+632(SB)/4, $0xbeaaaa99
DATA actk<>+636(SB)/4, $0xbeaaaa99
DATA actk<>+640(SB)/4, $0x7fffffff
DATA actk<>+644(SB)/4, $0x7fffffff
DATA actk<>+648(SB)/4, $0x7fffffff
DATA actk<>+652(SB)/4, $0x7fffffff
DATA actk<>+656(SB)/4, $0x7fffffff
DATA actk<>+660(SB)/4, $0x7fffffff
DATA actk<>+664(SB)/4, $0x7fffffff
DATA actk<>+668(SB)/4, $0x7fffffff
DATA actk<>+672(SB)/4, $0x80000000
DATA actk<>+676(SB)/4, $0x80000000
DATA actk<>+680(SB)/4, $0x80000000
DATA actk<>+684(SB)/4, $0x80000000
DATA actk<>+688(SB)/4, $0x80000000
DATA actk<>+692(SB)/4, $0x80000000
DATA actk<>+696(SB)/4, $0x80000000
DATA actk<>+700(SB)/4, $0x80000000
GLOBL actk<>(SB), RODATA|NOPTR, $704

// EXP replaces the eight floats in X by exp32 of them (act.go), using T1,
// T2 and T3 as scratch (four distinct registers).
#define EXP(X, T1, T2, T3) \
	VMOVUPS     actk<>+K_lo(SB), T1; \
	VMAXPS      X, T1, X; \
	VMOVUPS     actk<>+K_hi(SB), T1; \
	VMINPS      X, T1, X; \
	VMULPS      actk<>+K_log2e(SB), X, T1; \
	VROUNDPS    $0, T1, T1; \
	VMULPS      actk<>+K_c1(SB), T1, T2; \
	VSUBPS      T2, X, X; \
	VMULPS      actk<>+K_c2(SB), T1, T2; \
	VSUBPS      T2, X, X; \
	VMULPS      X, X, T3; \
	VMOVUPS     actk<>+K_p0(SB), T2; \
	VMULPS      X, T2, T2; \
	VADDPS      actk<>+K_p1(SB), T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      actk<>+K_p2(SB), T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      actk<>+K_p3(SB), T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      actk<>+K_p4(SB), T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      actk<>+K_p5(SB), T2, T2; \
	VMULPS      T3, T2, T2; \
	VADDPS      X, T2, T2; \
	VADDPS      actk<>+K_one(SB), T2, T2; \
	VCVTTPS2DQ  T1, T1; \
	VPADDD      actk<>+K_i127(SB), T1, T1; \
	VPSLLD      $23, T1, T1; \
	VMULPS      T1, T2, X

// The derivatives: func dXxxAVX2(dz, dy, y []float32) sets
// dz[i] = dy[i] * act'(y[i]) for the first len(dz) &^ 7 elements.
#define DERIV_HEAD(name) \
	MOVQ dz_base+0(FP), DI; \
	MOVQ dz_len+8(FP), CX; \
	MOVQ dy_base+24(FP), SI; \
	MOVQ y_base+48(FP), DX; \
	SHRQ $3, CX; \
	JZ   name

#define DERIV_TAIL(loop) \
	VMULPS  (SI), Y1, Y1; \
	VMOVUPS Y1, (DI); \
	ADDQ    $32, DI; \
	ADDQ    $32, SI; \
	ADDQ    $32, DX; \
	DECQ    CX; \
	JNZ     loop

// func sigmoidAVX2(s []float32)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ    s_base+0(FP), DI
	MOVQ    s_len+8(FP), CX
	SHRQ    $3, CX
	JZ      sigdone
	VMOVUPS actk<>+K_sign(SB), Y8
	VMOVUPS actk<>+K_one(SB), Y9

sigloop:
	VMOVUPS (DI), Y0
	VXORPS  Y8, Y0, Y0 // -x
	EXP(Y0, Y1, Y2, Y3)
	VADDPS  Y9, Y0, Y0 // 1 + e
	VDIVPS  Y0, Y9, Y0 // 1 / (1 + e)
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     sigloop

sigdone:
	VZEROUPPER
	RET

// func tanhAVX2(s []float32)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ s_base+0(FP), DI
	MOVQ s_len+8(FP), CX
	SHRQ $3, CX
	JZ   tanhdone

tanhloop:
	VMOVUPS (DI), Y0
	VANDPS  actk<>+K_abs(SB), Y0, Y5 // a = |x|

	// a < 0.625: x + x*z*q(z), z = x*x
	VMULPS  Y0, Y0, Y6
	VMOVUPS actk<>+K_t0(SB), Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  actk<>+K_t1(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  actk<>+K_t2(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  actk<>+K_t3(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  actk<>+K_t4(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VMULPS  Y0, Y7, Y7
	VADDPS  Y0, Y7, Y7

	// otherwise: 1 - 2/(exp(2a)+1), with the sign of x
	VADDPS  Y5, Y5, Y1
	EXP(Y1, Y2, Y3, Y4)
	VADDPS  actk<>+K_one(SB), Y1, Y1
	VMOVUPS actk<>+K_two(SB), Y2
	VDIVPS  Y1, Y2, Y1
	VMOVUPS actk<>+K_one(SB), Y2
	VSUBPS  Y1, Y2, Y1
	VANDPS  actk<>+K_sign(SB), Y0, Y2
	VORPS   Y2, Y1, Y1

	VCMPPS    $0x11, actk<>+K_cut(SB), Y5, Y6 // a < 0.625 (ordered: false for NaN)
	VBLENDVPS Y6, Y7, Y1, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $32, DI
	DECQ      CX
	JNZ       tanhloop

tanhdone:
	VZEROUPPER
	RET

// func reluAVX2(s []float32)
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ   s_base+0(FP), DI
	MOVQ   s_len+8(FP), CX
	SHRQ   $3, CX
	JZ     reludone
	VXORPS Y9, Y9, Y9

reluloop:
	VMOVUPS (DI), Y0
	VCMPPS  $0x1e, Y9, Y0, Y1 // x > 0 (ordered: false for NaN)
	VANDPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     reluloop

reludone:
	VZEROUPPER
	RET

// func leakyAVX2(s []float32, slope float32)
TEXT ·leakyAVX2(SB), NOSPLIT, $0-28
	MOVQ         s_base+0(FP), DI
	MOVQ         s_len+8(FP), CX
	VBROADCASTSS slope+24(FP), Y8
	SHRQ         $3, CX
	JZ           leakydone
	VXORPS       Y9, Y9, Y9

leakyloop:
	VMOVUPS   (DI), Y0
	VCMPPS    $0x1e, Y9, Y0, Y1
	VMULPS    Y8, Y0, Y2
	VBLENDVPS Y1, Y0, Y2, Y0 // x > 0 ? x : slope*x
	VMOVUPS   Y0, (DI)
	ADDQ      $32, DI
	DECQ      CX
	JNZ       leakyloop

leakydone:
	VZEROUPPER
	RET

// func dReluAVX2(dz, dy, y []float32)
TEXT ·dReluAVX2(SB), NOSPLIT, $0-72
	DERIV_HEAD(dreludone)
	VXORPS  Y9, Y9, Y9
	VMOVUPS actk<>+K_one(SB), Y8

dreluloop:
	VMOVUPS (DX), Y0
	VCMPPS  $0x1e, Y9, Y0, Y1
	VANDPS  Y8, Y1, Y1 // y > 0 ? 1 : 0
	DERIV_TAIL(dreluloop)

dreludone:
	VZEROUPPER
	RET

// func dLeakyAVX2(dz, dy, y []float32, slope float32)
TEXT ·dLeakyAVX2(SB), NOSPLIT, $0-76
	VBROADCASTSS slope+72(FP), Y7
	DERIV_HEAD(dleakydone)
	VXORPS       Y9, Y9, Y9
	VMOVUPS      actk<>+K_one(SB), Y8

dleakyloop:
	VMOVUPS   (DX), Y0
	VCMPPS    $0x1e, Y9, Y0, Y2
	VBLENDVPS Y2, Y8, Y7, Y1 // y > 0 ? 1 : slope
	DERIV_TAIL(dleakyloop)

dleakydone:
	VZEROUPPER
	RET

// func dSigmoidAVX2(dz, dy, y []float32)
TEXT ·dSigmoidAVX2(SB), NOSPLIT, $0-72
	DERIV_HEAD(dsigdone)
	VMOVUPS actk<>+K_one(SB), Y8

dsigloop:
	VMOVUPS (DX), Y0
	VSUBPS  Y0, Y8, Y1 // 1 - y
	VMULPS  Y0, Y1, Y1 // y * (1 - y)
	DERIV_TAIL(dsigloop)

dsigdone:
	VZEROUPPER
	RET

// func dTanhAVX2(dz, dy, y []float32)
TEXT ·dTanhAVX2(SB), NOSPLIT, $0-72
	DERIV_HEAD(dtanhdone)
	VMOVUPS actk<>+K_one(SB), Y8

dtanhloop:
	VMOVUPS (DX), Y0
	VMULPS  Y0, Y0, Y2 // y * y
	VSUBPS  Y2, Y8, Y1 // 1 - y*y
	DERIV_TAIL(dtanhloop)

dtanhdone:
	VZEROUPPER
	RET

// The AVX-512 loops of the two activations that call EXP (the others are
// bound by memory, not by arithmetic). Each performs the AVX2 loop's
// operations (so the scalar loop's: the same bits) on sixteen floats at a
// time, on the first len &^ 15 elements. Their chains of dependent
// operations are long (about 30 deep); with eight lanes per instruction the
// processor cannot keep enough of them in flight to fill its arithmetic
// units, with sixteen it keeps twice as many elements in flight. The
// constants stay in Z16..Z31 (ZLOADK) instead of being read from memory.

// ZLOADK broadcasts the constants used by ZEXP and the loops below.
#define ZLOADK \
	VBROADCASTSS actk<>+K_lo(SB), Z16; \
	VBROADCASTSS actk<>+K_hi(SB), Z17; \
	VBROADCASTSS actk<>+K_log2e(SB), Z18; \
	VBROADCASTSS actk<>+K_c1(SB), Z19; \
	VBROADCASTSS actk<>+K_c2(SB), Z20; \
	VBROADCASTSS actk<>+K_p0(SB), Z21; \
	VBROADCASTSS actk<>+K_p1(SB), Z22; \
	VBROADCASTSS actk<>+K_p2(SB), Z23; \
	VBROADCASTSS actk<>+K_p3(SB), Z24; \
	VBROADCASTSS actk<>+K_p4(SB), Z25; \
	VBROADCASTSS actk<>+K_p5(SB), Z26; \
	VBROADCASTSS actk<>+K_one(SB), Z27; \
	VBROADCASTSS actk<>+K_i127(SB), Z28; \
	VBROADCASTSS actk<>+K_sign(SB), Z29; \
	VBROADCASTSS actk<>+K_abs(SB), Z30; \
	VBROADCASTSS actk<>+K_two(SB), Z31

// ZEXP is EXP on sixteen floats: X replaced by exp32 of it, T1, T2 and T3
// scratch (VRNDSCALEPS $0 is VROUNDPS $0: to nearest even).
#define ZEXP(X, T1, T2, T3) \
	VMAXPS      X, Z16, X; \
	VMINPS      X, Z17, X; \
	VMULPS      Z18, X, T1; \
	VRNDSCALEPS $0, T1, T1; \
	VMULPS      Z19, T1, T2; \
	VSUBPS      T2, X, X; \
	VMULPS      Z20, T1, T2; \
	VSUBPS      T2, X, X; \
	VMULPS      X, X, T3; \
	VMULPS      X, Z21, T2; \
	VADDPS      Z22, T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      Z23, T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      Z24, T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      Z25, T2, T2; \
	VMULPS      X, T2, T2; \
	VADDPS      Z26, T2, T2; \
	VMULPS      T3, T2, T2; \
	VADDPS      X, T2, T2; \
	VADDPS      Z27, T2, T2; \
	VCVTTPS2DQ  T1, T1; \
	VPADDD      Z28, T1, T1; \
	VPSLLD      $23, T1, T1; \
	VMULPS      T1, T2, X

// func sigmoidAVX512(s []float32)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ s_base+0(FP), DI
	MOVQ s_len+8(FP), CX
	SHRQ $4, CX
	JZ   zsigdone
	ZLOADK

zsigloop:
	VMOVUPS (DI), Z0
	VPXORD  Z29, Z0, Z0 // -x
	ZEXP(Z0, Z1, Z2, Z3)
	VADDPS  Z27, Z0, Z0 // 1 + e
	VDIVPS  Z0, Z27, Z0 // 1 / (1 + e)
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	DECQ    CX
	JNZ     zsigloop

zsigdone:
	VZEROUPPER
	RET

// func tanhAVX512(s []float32)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ s_base+0(FP), DI
	MOVQ s_len+8(FP), CX
	SHRQ $4, CX
	JZ   ztanhdone
	ZLOADK
	VBROADCASTSS actk<>+K_cut(SB), Z8
	VBROADCASTSS actk<>+K_t0(SB), Z9
	VBROADCASTSS actk<>+K_t1(SB), Z10
	VBROADCASTSS actk<>+K_t2(SB), Z11
	VBROADCASTSS actk<>+K_t3(SB), Z12
	VBROADCASTSS actk<>+K_t4(SB), Z13

ztanhloop:
	VMOVUPS (DI), Z0
	VPANDD  Z30, Z0, Z5 // a = |x|

	// a < 0.625: x + x*z*q(z), z = x*x
	VMULPS Z0, Z0, Z6
	VMULPS Z6, Z9, Z7
	VADDPS Z10, Z7, Z7
	VMULPS Z6, Z7, Z7
	VADDPS Z11, Z7, Z7
	VMULPS Z6, Z7, Z7
	VADDPS Z12, Z7, Z7
	VMULPS Z6, Z7, Z7
	VADDPS Z13, Z7, Z7
	VMULPS Z6, Z7, Z7
	VMULPS Z0, Z7, Z7
	VADDPS Z0, Z7, Z7

	// otherwise: 1 - 2/(exp(2a)+1), with the sign of x
	VADDPS Z5, Z5, Z1
	ZEXP(Z1, Z2, Z3, Z4)
	VADDPS Z27, Z1, Z1
	VDIVPS Z1, Z31, Z1
	VSUBPS Z1, Z27, Z1
	VPANDD Z29, Z0, Z2
	VPORD  Z2, Z1, Z1

	VCMPPS    $0x11, Z8, Z5, K1 // a < 0.625 (ordered: false for NaN)
	VBLENDMPS Z7, Z1, K1, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $64, DI
	DECQ      CX
	JNZ       ztanhloop

ztanhdone:
	VZEROUPPER
	RET

// Command asm generates the amd64 assembly of rotor's fallback hot loops
// (package fallback/internal/vec): one AVX2+FMA and one AVX-512 variant of
// every kernel, written once against an instruction-set description. It
// lives in its own module so that its generator dependency never enters
// rotor's.
//
// Run it through go generate in fallback/internal/vec, or directly:
//
//	go run . -out ../fallback/internal/vec/kernels_amd64.s \
//		-stubs ../fallback/internal/vec/kernels_amd64.go -pkg vec
package main

import (
	"flag"
	"log"

	. "github.com/mmcloughlin/avo/build"
)

func main() {
	ConstraintExpr("!purego")
	for _, s := range isas {
		genDot(s, false)
		genDot(s, true)
		genDots4(s, false)
		genDots4(s, true)
		genAxpy(s, false)
		genAxpy(s, true)
		genScale(s)
		genRotate(s)
		genRotateHeads(s)
		genRotate16(s, true)
		genRotateBF16Split(s)
		genRotate16(s, false)
		genRotatePairs(s)
		genRotatePairsBF16(s)
		for _, rows := range []int{4, 3, 2, 1} {
			genAccumulate(s, rows, false)
			genAccumulate(s, rows, true)
		}
		for _, rows := range []int{4, 3, 2, 1} {
			genDotsGather(s, rows, false)
			genDotsGather(s, rows, true)
		}
		genExpShift(s)
		genSoftmaxBlock(s)
		for rows := 6; rows >= 1; rows-- {
			genDotsT(s, rows)
		}
		genAccumulate(s, 6, false)
		genAccurateCosSin(s)
		genCompatCosSin(s)
		genBF16ToF32(s)
		genF32ToBF16(s)
		genF16ToF32(s)
		genF32ToF16(s)
		for _, rows := range []int{4, 3, 2, 1} {
			genDotsGatherSplit(s, rows)
			genAccumulateSplit(s, rows)
			genAttendSplit(s, rows)
		}
		for _, kind := range []elemKind{elemF32, elemBF16, elemF16} {
			genMinMaxRows(s, kind)
		}
		for _, rows := range []int{4, 3, 2, 1} {
			genPageBounds(s, rows)
		}
		genMaxOrdered(s)
		genExpSum64(s)
		genSoftVote(s)
		genMinBlock(s)
		genKMeansLanes(s, false)
		genKMeansLanes(s, true)
		genKMeansScale(s)
		genKMeansAddFixed(s)
	}
	// The kernels that round float32 to bfloat16 also have a variant
	// with the AVX512-BF16 rounding.
	s := avx512bf16
	genRotate16(s, true)
	genRotateBF16Split(s)
	genRotatePairsBF16(s)
	genF32ToBF16(s)
	genTranspose(false)
	genTranspose(true)
	genPrefetch()
	genStoreLinesNT()
	genStoreFence()
	Generate()
	if err := encodeBF16(flag.Lookup("out").Value.String()); err != nil {
		log.Fatal(err)
	}
}

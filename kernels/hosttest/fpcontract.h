// Forbid floating-point contraction (a*b+c fused into one FMA) in every
// function that follows: the kernels' arithmetic is written with explicit
// fma() where an FMA is meant. cgo does not accept -ffp-contract=off as a
// flag, so the bridge files include this first.
#ifndef ROTOR_HOSTTEST_FPCONTRACT_H
#define ROTOR_HOSTTEST_FPCONTRACT_H
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#if defined(__FAST_MATH__)
#error "the kernel headers must not be compiled with -ffast-math"
#endif
#endif

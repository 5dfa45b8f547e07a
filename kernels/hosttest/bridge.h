// Declarations of the host entry points, shared by the cgo preamble and
// the C++ bridge files.
#ifndef ROTOR_HOSTTEST_BRIDGE_H
#define ROTOR_HOSTTEST_BRIDGE_H
#ifdef __cplusplus
extern "C" {
#endif
const char* rt_headers_digest(void);
void rt_sincos64(const double* theta, int n, double* s, double* c);
void rt_accurate_cos_sin(const int* pos, const double* f, int n, double attn, float* c, float* s);
void rt_compat_cos_sin(const int* pos, const float* f, int n, double attn, float* c, float* s);
void rt_compat_angle(const int* pos, const float* f, int n, float* out);
void rt_rotate_pair(const float* a, const float* b, const float* c, const float* s, int n, float* ra, float* rb);
void rt_bf16_from_f32_range(unsigned start, unsigned n, unsigned short* out);
void rt_f16_from_f32_range(unsigned start, unsigned n, unsigned short* out);
void rt_f16_to_f32_all(unsigned* out);
void rt_bf16_to_f32_all(unsigned* out);
int rt_rope_walk(int append, int dtype, int layout, int angles, int vec, const unsigned long long* w, int gx, int gy, int block);
#ifdef __cplusplus
}
#endif
#endif

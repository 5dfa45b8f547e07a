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
void rt_attn_row(const float* dots, const float* vals, const int* masked, int n, int dv, float scale, float softcap,
                 float sink, int parts, int step, float* out, float* lse);
float rt_lse_merge(float l1, float l2, float* w1, float* w2);
void rt_crit(const float* s, int Hq, int N, int chunks, float* out);
void rt_topk_row(const float* s, int N, int K, const int* map, int* out);
void rt_minmax_go(const float* a, const float* b, int n, float* mn, float* mx);
void rt_rope_positions(int sel, int keypos, int cap, int query_pos, int Tq, const int* qpos, int t, int n, int rank,
                       int kpos, int* qp, int* kp);
int rt_attn_launch(const char* kernel, int dt, int D, int DV, int keyrope, int tile_n, const unsigned long long* w, int gx,
                   int gy, int gz);
int rt_select_launch(const char* kernel, int dt, int D, const unsigned long long* w, int gx, int gy);
int rt_kmeans_launch(const char* kernel, int dt, const unsigned long long* w, int gx, int gy);
double rt_km_dist(const float* y, const float* c, int d);
float rt_km_scale(float x, double inv);
double rt_km_inv(double ss);
double rt_km_norm_bound(double ss, int normalize);
int rt_km_sum_shift(int nbits, float max_abs);
long long rt_km_fixed(float v, double scale);
float rt_km_fixed_value(long long s, int q);
double rt_km_margin(int d, double yn, double cn);
float rt_km_f32_up(double x);
void rt_km_fold(const float* v, int n, float* m1, int* i1, float* m2);
void rt_km_merge(float am1, int ai1, float am2, float bm1, int bi1, float bm2, float* m1, int* i1, float* m2);
#ifdef __cplusplus
}
#endif
#endif

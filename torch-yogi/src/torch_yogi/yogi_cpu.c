/* One Yogi step over many CPU tensors in one pass over memory (torch_yogi's fused CPU path).
 *
 * Each element is read once (p, g, v, s, and m with AMSGrad) and written once, in the order of
 * the equations (torch_yogi/yogi.py, _single_tensor_yogi):
 *   g <- g / scale            (GradScaler's grad_scale; the unscaled g is written back, as torch)
 *   g <- -g                   (maximize)
 *   p <- p(1 - lr wd)  or  g <- g + wd p      (decoupled or L2 weight decay)
 *   v <- b1 v + (1 - b1) g
 *   s <- s + (1 - b2) sign(g^2 - s) g^2       (sign(0) = sign(NaN) = 0, as torch.sign)
 *   m <- max(m, s)            (AMSGrad; NaN propagates, as torch.maximum)
 *   p <- p - (lr / (1 - b1^t)) v / (sqrt(s) / sqrt(1 - b2^t) + eps)
 * Each tensor's step t is read through its pointer, incremented here, and gives its own bias
 * corrections. The caller (torch_yogi/cpu_kernel.py) has checked every pointer: dtype, size,
 * layout, device, and that no two written tensors overlap. Math in the tensors' dtype. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <omp.h>

enum { MAXIMIZE = 1, DECOUPLED = 2, AMSGRAD = 4, STEP_F64 = 8, SCALED = 16 };
enum { P, G, V, S, M, T, PTRS };  /* the pointers of one tensor, in this order */

#define LOOP(NAME, F, SQRT, MAX, WD, AMS)                                             \
static void NAME(F *restrict p, F *restrict g, F *restrict v, F *restrict s,          \
                 F *restrict m, int64_t a, int64_t b, F b1, F c1, F c2, F step,      \
                 F ib2, F eps, F wd, F decay, int scaled, F scale) {             \
    for (int64_t i = a; i < b; ++i) {                                                 \
        F gi = g[i];                                                                  \
        if (scaled) { gi = gi / scale; g[i] = gi; }                               \
        if (MAX) gi = -gi;                                                            \
        F pi = p[i];                                                                  \
        if (WD == 2) pi = pi * decay;                                                 \
        if (WD == 1) gi = gi + wd * pi;                                               \
        const F vi = b1 * v[i] + c1 * gi;                                             \
        const F g2 = gi * gi, d = g2 - s[i];                                          \
        F si = s[i] + c2 * (F)((d > 0) - (d < 0)) * g2;                               \
        v[i] = vi;                                                                    \
        s[i] = si;                                                                    \
        if (AMS) { const F mi = m[i]; si = (mi != mi || si < mi) ? mi : si; m[i] = si; } \
        p[i] = pi - step * vi / (SQRT(si) * ib2 + eps);                               \
    }                                                                                 \
}

#define FLAVOUR(F, SQRT, SUFFIX)                                                      \
LOOP(l000##SUFFIX, F, SQRT, 0, 0, 0) LOOP(l001##SUFFIX, F, SQRT, 0, 0, 1)             \
LOOP(l010##SUFFIX, F, SQRT, 0, 1, 0) LOOP(l011##SUFFIX, F, SQRT, 0, 1, 1)             \
LOOP(l020##SUFFIX, F, SQRT, 0, 2, 0) LOOP(l021##SUFFIX, F, SQRT, 0, 2, 1)             \
LOOP(l100##SUFFIX, F, SQRT, 1, 0, 0) LOOP(l101##SUFFIX, F, SQRT, 1, 0, 1)             \
LOOP(l110##SUFFIX, F, SQRT, 1, 1, 0) LOOP(l111##SUFFIX, F, SQRT, 1, 1, 1)             \
LOOP(l120##SUFFIX, F, SQRT, 1, 2, 0) LOOP(l121##SUFFIX, F, SQRT, 1, 2, 1)             \
typedef void (*loop##SUFFIX)(F *restrict, F *restrict, F *restrict, F *restrict,      \
    F *restrict, int64_t, int64_t, F, F, F, F, F, F, F, F, int, F);                  \
static const loop##SUFFIX loops##SUFFIX[12] = {                                      \
    l000##SUFFIX, l001##SUFFIX, l010##SUFFIX, l011##SUFFIX, l020##SUFFIX, l021##SUFFIX, \
    l100##SUFFIX, l101##SUFFIX, l110##SUFFIX, l111##SUFFIX, l120##SUFFIX, l121##SUFFIX}; \
                                                                                      \
int yogi_step##SUFFIX(int64_t n, const int64_t *ptrs, const int64_t *numels,         \
                      double lr, double beta1, double beta2, double eps, double wd,  \
                      double scale, int flags, int nthreads) {                   \
    double *corr = malloc(2 * (n > 0 ? n : 1) * sizeof(double));                     \
    if (!corr) return -1;                                                             \
    int64_t total = 0;                                                                \
    for (int64_t k = 0; k < n; ++k) {  /* t <- t + 1, then this tensor's corrections */ \
        double t;                                                                     \
        if (flags & STEP_F64) t = ++*(double *)ptrs[PTRS * k + T];                   \
        else t = ++*(float *)ptrs[PTRS * k + T];                                     \
        corr[2 * k] = lr / (1.0 - pow(beta1, t));           /* lr / (1 - b1^t) */     \
        corr[2 * k + 1] = 1.0 / sqrt(1.0 - pow(beta2, t));  /* 1 / sqrt(1 - b2^t) */  \
        total += numels[k];                                                           \
    }                                                                                 \
    const int mode = wd == 0.0 ? 0 : (flags & DECOUPLED) ? 2 : 1;                     \
    const loop##SUFFIX loop = loops##SUFFIX[6 * (flags & MAXIMIZE) + 2 * mode         \
                                            + ((flags & AMSGRAD) != 0)];              \
    _Pragma("omp parallel num_threads(nthreads) if(nthreads > 1)")                   \
    {  /* the elements of all tensors, one contiguous range per thread */            \
        const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();          \
        const int64_t lo = total * id / nt, hi = total * (id + 1) / nt;               \
        int64_t base = 0;                                                             \
        for (int64_t k = 0; k < n && base < hi; ++k) {                                \
            const int64_t len = numels[k];                                            \
            const int64_t a = lo > base ? lo - base : 0;                              \
            const int64_t b = hi < base + len ? hi - base : len;                      \
            base += len;                                                              \
            if (a >= b) continue;                                                     \
            const int64_t *q = ptrs + PTRS * k;                                       \
            loop((F *)q[P], (F *)q[G], (F *)q[V], (F *)q[S], (F *)q[M], a, b,         \
                 (F)beta1, (F)(1.0 - beta1), (F)(1.0 - beta2), (F)corr[2 * k],        \
                 (F)corr[2 * k + 1], (F)eps, (F)wd, (F)(1.0 - lr * wd),               \
                 (flags & SCALED) != 0, (F)scale);                                \
        }                                                                             \
    }                                                                                 \
    free(corr);                                                                       \
    return 0;                                                                         \
}

FLAVOUR(float, sqrtf, _f32)
FLAVOUR(double, sqrt, _f64)

//! Leaves the CPU's vector registers as ordinary code expects after a model ran.
//!
//! tract's x86-64 matrix-product kernels (hand-written AVX2/FMA and AVX-512 assembly in
//! tract-linalg 0.23.9, `x86_64/*/postamble.j2`) return without `vzeroupper`, so the upper
//! halves of the YMM/ZMM registers stay in use after inference. Every legacy-SSE instruction
//! then carries a false dependency on them — and all of this crate's own code is SSE: it is
//! built for baseline x86-64. Measured on the CI host (2-core AMD EPYC, Zen 5, AVX-512): the
//! CIELAB conversion of 262,144 pixels took 2.9 ms before the parsing model ran, 8.7 ms after
//! it, and 2.9 ms again after one `vzeroupper`; a 50 ms busy loop, a 1-MB `memcpy` or a new
//! thread (which inherits the state) did not help. So every model run ends with one.

/// Zeroes the upper halves of the vector registers (`vzeroupper`) when the CPU has AVX, and
/// does nothing otherwise (without AVX no code can have left them in use).
#[cfg(target_arch = "x86_64")]
#[allow(
    unsafe_code,
    reason = "calling a #[target_feature(enable = \"avx\")] function after checking for AVX"
)]
pub(crate) fn clear_upper_state() {
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, checked just above — the only requirement of `zeroupper`.
        unsafe { zeroupper() }
    }
}

/// No other architecture has the SSE/AVX transition cost.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn clear_upper_state() {}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zeroupper() {
    std::arch::x86_64::_mm256_zeroupper();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearing_keeps_values_held_across_it() {
        // `_mm256_zeroupper` is an intrinsic the compiler knows clobbers the upper halves: no
        // value live across it may change
        let v: Vec<f64> = (0..64).map(|i| i as f64 * 1.5).collect();
        let before: f64 = v.iter().sum();
        clear_upper_state();
        let after: f64 = v.iter().sum();
        assert_eq!(before.to_bits(), after.to_bits());
        assert_eq!(before, 3024.0);
    }
}

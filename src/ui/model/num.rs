//! Numbers the page writes into SVG coordinates, styles and labels, without `f64`'s `Display`:
//! its shortest-digits algorithm and its tables weigh about 14 KB of the page's wasm, for
//! coordinates that never need more than a tenth of a pixel (issue 29).

/// `x` rounded to one decimal, without a trailing `.0`: `12`, `12.5`, `-3.2`.
pub fn num(x: f64) -> String {
    fixed(x, 1, true)
}

/// `x` with exactly `decimals` decimals (at most 3), as `format!("{x:.N}")` writes it.
pub fn decimals(x: f64, decimals: u32) -> String {
    fixed(x, decimals.min(3), false)
}

fn fixed(x: f64, decimals: u32, trim: bool) -> String {
    let scale = 10i64.pow(decimals);
    // `as` saturates, and NaN becomes 0: no panic for any input.
    let scaled = (x * scale as f64).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let magnitude = scaled.unsigned_abs();
    let (whole, fraction) = (magnitude / scale as u64, magnitude % scale as u64);
    if decimals == 0 || (trim && fraction == 0) {
        return format!("{sign}{whole}");
    }
    let mut digits = format!("{fraction:0width$}", width = decimals as usize);
    if trim {
        while digits.ends_with('0') {
            digits.pop();
        }
    }
    format!("{sign}{whole}.{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_display_would_at_one_decimal() {
        for (x, want) in [
            (0.0, "0"),
            (12.0, "12"),
            (12.5, "12.5"),
            (-3.25, "-3.3"),
            (0.04, "0"),
            (-0.04, "0"),
            (176.0 / 3.0, "58.7"),
            (1e6, "1000000"),
            (f64::NAN, "0"),
        ] {
            assert_eq!(num(x), want, "{x}");
        }
        assert_eq!(decimals(1.5, 3), "1.500");
        assert_eq!(decimals(2047.0 / 1024.0, 1), "2.0");
        assert_eq!(decimals(1023.6, 0), "1024");
        assert_eq!(decimals(-0.25, 2), "-0.25");
    }
}

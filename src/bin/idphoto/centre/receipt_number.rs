//! Receipt numbers: 16 random digits and two check digits (ISO 7064 MOD 97-10, as IBANs use),
//! so a number cannot be guessed from another and a mistyped one is refused. Any single wrong
//! digit and any swap of two neighbouring digits changes the check.
//!
//! Unique across server instances: 10^16 numbers drawn from the operating system's random
//! source, and the store's primary key refuses a repeat (the decision is then retried with a
//! new number).

/// Digits in a receipt number.
pub const LEN: usize = 18;

/// MOD 97-10 over a string of digits.
fn mod97(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0u32, |r, d| (r * 10 + u32::from(d - b'0')) % 97)
}

/// The two check digits of 16 digits.
fn check_digits(body: &str) -> String {
    format!("{:02}", 98 - mod97(&format!("{body}00")))
}

/// A new random receipt number.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)?;
    // 2^64 / 10^16 ≈ 1845: the bias this leaves is below one part in a thousand
    let body = format!("{:016}", u64::from_le_bytes(bytes) % 10_000_000_000_000_000);
    let check = check_digits(&body);
    Ok(format!("{body}{check}"))
}

/// Why a receipt number was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Not 18 digits.
    Format,
    /// The check digits do not match: a mistyped number.
    Check,
}

/// Validates a receipt number as typed or scanned (spaces and hyphens ignored) and returns its
/// 18 digits.
pub fn validate(raw: &str) -> Result<String, NumberError> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() != LEN || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::Format);
    }
    if mod97(&digits) != 1 {
        return Err(NumberError::Check);
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_numbers_validate_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.len(), LEN);
        assert_ne!(a, b);
        assert_eq!(validate(&a).as_deref(), Ok(a.as_str()));
    }

    #[test]
    fn every_single_typo_and_neighbour_swap_is_refused() {
        let n = generate().unwrap();
        let b = n.as_bytes();
        for i in 0..LEN {
            for d in b'0'..=b'9' {
                if d != b[i] {
                    let mut v = b.to_vec();
                    v[i] = d;
                    let s = String::from_utf8(v).unwrap();
                    assert_eq!(validate(&s), Err(NumberError::Check), "{s}");
                }
            }
            if i + 1 < LEN && b[i] != b[i + 1] {
                let mut v = b.to_vec();
                v.swap(i, i + 1);
                let s = String::from_utf8(v).unwrap();
                assert_eq!(validate(&s), Err(NumberError::Check), "{s}");
            }
        }
        assert_eq!(validate("12345"), Err(NumberError::Format));
    }
}

//! Chinese resident identity numbers (GB 11643-1999): the check digit, and the mask that slips
//! and the review page show.

/// The weights of the first 17 digits (2^(18-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each weighted sum mod 11 (ISO 7064 MOD 11-2).
const CHECK: &[u8; 11] = b"10X98765432";

/// Why an ID number was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum IdNumberError {
    /// Not 17 digits followed by a digit or `X`.
    Format,
    /// The 18th character is not the check character of the first 17 digits.
    CheckDigit { expected: char },
}

impl std::fmt::Display for IdNumberError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdNumberError::Format => {
                f.write_str("an ID number is 17 digits and a check character (a digit or X)")
            }
            IdNumberError::CheckDigit { .. } => f.write_str(
                "the ID number's check character does not match its digits (GB 11643): a digit was probably mistyped",
            ),
        }
    }
}

/// The check character of 17 digits.
fn check_char(digits: &[u8]) -> char {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK[(sum % 11) as usize])
}

/// Validates an 18-character ID number and returns it normalised (upper-case `X`).
pub fn validate(raw: &str) -> Result<String, IdNumberError> {
    let s = raw.trim().to_ascii_uppercase();
    let b = s.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err(IdNumberError::Format);
    }
    let expected = check_char(&b[..17]);
    if char::from(b[17]) != expected {
        return Err(IdNumberError::CheckDigit { expected });
    }
    Ok(s)
}

/// The number with all but its first and last four characters hidden: `4403**********1234`.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= n - 4 { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 11010519491231002X is the standard's own example number.
    #[test]
    fn the_standard_example_passes_and_a_typo_is_caught() {
        assert_eq!(
            validate("11010519491231002x").as_deref(),
            Ok("11010519491231002X")
        );
        assert_eq!(
            validate("11010519491231012X"),
            Err(IdNumberError::CheckDigit { expected: '6' })
        );
        // every single-digit substitution changes the check character
        let good = b"11010519491231002";
        for i in 0..17 {
            for d in b'0'..=b'9' {
                if d == good[i] {
                    continue;
                }
                let mut v = good.to_vec();
                v[i] = d;
                let s = format!("{}X", String::from_utf8(v).unwrap());
                assert!(validate(&s).is_err(), "{s}");
            }
        }
        assert_eq!(validate("1101051949123100"), Err(IdNumberError::Format));
        assert_eq!(validate("11010519491231002Y"), Err(IdNumberError::Format));
    }

    #[test]
    fn masks_all_but_the_ends() {
        assert_eq!(mask("440301199001011234"), "4403**********1234");
        assert_eq!(mask("1234"), "****");
    }
}

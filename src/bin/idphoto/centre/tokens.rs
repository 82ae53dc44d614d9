//! Secrets: the reviewer and fetch-token files, order tokens, and how a request proves one.
//!
//! Every secret is compared and stored as its SHA-256: the store never holds an order token,
//! and the token files' contents live in memory only as hashes.

use std::collections::HashMap;
use std::path::Path;

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A new random secret: 32 bytes as 64 hex characters.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A new random id with a prefix (`o_` + 20 hex characters).
pub fn new_id(prefix: &str) -> Result<String, getrandom::Error> {
    let mut b = [0u8; 10];
    getrandom::fill(&mut b)?;
    Ok(format!(
        "{prefix}{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    ))
}

/// Who holds which secret: token hash → id.
#[derive(Debug, Default)]
pub struct Holders {
    by_hash: HashMap<String, String>,
}

impl Holders {
    /// Reads a file of `ID TOKEN` lines (blank lines and `#` comments skipped).
    pub fn load(path: &Path) -> Result<Holders, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Holders::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses `ID TOKEN` lines.
    pub fn parse(text: &str) -> Result<Holders, String> {
        let mut by_hash = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(id), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!("line {}: expected `ID TOKEN`", i + 1));
            };
            if token.len() < 16 {
                return Err(format!(
                    "line {}: the token of `{id}` is shorter than 16 characters",
                    i + 1
                ));
            }
            if by_hash
                .insert(sha256_hex(token.as_bytes()), id.to_owned())
                .is_some()
            {
                return Err(format!("line {}: this token is given twice", i + 1));
            }
        }
        Ok(Holders { by_hash })
    }

    /// The id holding this token.
    pub fn who(&self, token: &str) -> Option<&str> {
        self.by_hash
            .get(&sha256_hex(token.as_bytes()))
            .map(String::as_str)
    }

    /// How many holders.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }
}

/// The bearer token of a request, if it sent one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_parse_and_refuse_mistakes() {
        let h = Holders::parse(
            "# reviewers\nalice 0123456789abcdef0123\n\nbob  fedcba9876543210fedc\n",
        )
        .unwrap();
        assert_eq!(h.who("0123456789abcdef0123"), Some("alice"));
        assert_eq!(h.who("fedcba9876543210fedc"), Some("bob"));
        assert_eq!(h.who("nope"), None);
        assert!(Holders::parse("alice").is_err());
        assert!(Holders::parse("alice short").is_err());
        assert!(Holders::parse("a 0123456789abcdef0123\nb 0123456789abcdef0123").is_err());
    }
}

//! Writing files safely: atomic replacement, and finding a bad output path before the work.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh temporary file path in `dir`, unique within this process and across processes.
fn temp_path(dir: &Path) -> std::path::PathBuf {
    dir.join(format!(
        ".idphoto-{}-{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Whether `name` is one of this module's temporary files (left behind by a killed process).
pub fn is_temp_file_name(name: &str) -> bool {
    name.starts_with(".idphoto-") && name.ends_with(".tmp")
}

/// Writes `bytes` to `dst` through a temporary file in the same folder, synced and renamed into
/// place: `dst` is either absent or complete.
///
/// A `dst` that exists and is neither a file nor a folder (`/dev/null`, a FIFO, a terminal) is
/// written to directly: renaming over it would replace the device with a plain file.
///
/// # Errors
/// [`Error::Io`] naming `dst` (or its folder).
pub fn write_atomic(dst: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::metadata(dst).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(dst)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| Error::io(dst, e));
    }
    let dir = dst.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = temp_path(dir);
    let res = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dst)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(dst, e));
    }
    Ok(())
}

/// Fails early, naming `path`, when a file could not be written there later: its folder is
/// missing or not a folder, `path` is a folder, or the folder refuses a new file.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn check_writable(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::NotADirectory,
                    format!("{} is not a folder", dir.display()),
                ),
            ))
        }
        Err(e) => {
            return Err(Error::io(
                path,
                std::io::Error::new(e.kind(), format!("folder {}: {e}", dir.display())),
            ))
        }
    }
    if path.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a folder"),
        ));
    }
    let probe = temp_path(dir);
    File::create(&probe).map_err(|e| Error::io(path, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--out /dev/null` or a FIFO: written through, never replaced by a plain file.
    #[cfg(unix)]
    #[test]
    fn a_device_or_fifo_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt as _;
        let dir = std::env::temp_dir().join(format!("idphoto-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("out.jpg");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: no mkfifo");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        write_atomic(&fifo, b"photo bytes").unwrap();
        assert_eq!(reader.join().unwrap(), b"photo bytes");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left beside it");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_paths_are_found_and_named() {
        let dir = std::env::temp_dir().join(format!("idphoto-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let file = dir.join("f.txt");
        std::fs::write(&file, b"x").unwrap_or_default();
        for bad in [dir.join("missing/r.json"), file.join("r.json"), dir.clone()] {
            let e = check_writable(&bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(&*bad.to_string_lossy()), "{bad:?}: {e}");
        }
        assert!(check_writable(&dir.join("r.json")).is_ok());
        write_atomic(&dir.join("a/b/c.bin"), b"abc").unwrap_or_default();
        assert_eq!(
            std::fs::read(dir.join("a/b/c.bin")).ok().as_deref(),
            Some(&b"abc"[..])
        );
        let left: Vec<_> = std::fs::read_dir(dir.join("a/b"))
            .map(|r| r.count())
            .into_iter()
            .collect();
        assert_eq!(left, [1], "no temporary file left");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

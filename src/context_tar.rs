//! A deterministic tar of the build context (`docker build - < context.tar` reads it): POSIX
//! ustar headers, PAX records for paths that are long or not ASCII, every mtime 0, owner 0:0, no user or
//! group names, entries sorted by path, folders before their contents. Same entries, same bytes.

/// One entry of the tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarEntry<'a> {
    /// A folder.
    Dir {
        /// Path inside the tar, without a trailing `/`.
        path: &'a str,
    },
    /// A regular file.
    File {
        /// Path inside the tar.
        path: &'a str,
        /// Permission bits.
        mode: u32,
        /// Contents.
        data: &'a [u8],
    },
}

impl TarEntry<'_> {
    fn path(&self) -> &str {
        match self {
            TarEntry::Dir { path } | TarEntry::File { path, .. } => path,
        }
    }
}

const BLOCK: usize = 512;

/// Writes the entries (sorted here) as a tar archive.
pub fn write(mut entries: Vec<TarEntry<'_>>) -> Vec<u8> {
    crate::sorting::sort_by(&mut entries, |a, b| a.path().cmp(b.path()));
    entries.dedup_by(|a, b| a.path() == b.path());
    let size: usize = entries
        .iter()
        .map(|e| 3 * BLOCK + padded(data_len(e)))
        .sum::<usize>()
        + 2 * BLOCK;
    let mut out = Vec::with_capacity(size);
    for entry in &entries {
        let (name, typeflag, mode, data): (String, u8, u32, &[u8]) = match entry {
            TarEntry::Dir { path } => (format!("{path}/"), b'5', 0o755, &[]),
            TarEntry::File { path, mode, data } => ((*path).to_string(), b'0', mode & 0o7777, data),
        };
        // Names that are long or not ASCII go in a PAX record (readers take it over the ustar
        // field, which gets an ASCII stand-in, as Go's archive/tar writes it).
        if name.len() > 100 || !name.is_ascii() {
            let record = pax_record("path", &name);
            write_header(&mut out, "././@PaxHeader", b'x', 0o644, record.len() as u64);
            write_data(&mut out, record.as_bytes());
        }
        let ascii: String = name.chars().filter(char::is_ascii).collect();
        write_header(
            &mut out,
            &truncate(&ascii, 100),
            typeflag,
            mode,
            data.len() as u64,
        );
        write_data(&mut out, data);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    out
}

fn data_len(entry: &TarEntry<'_>) -> usize {
    match entry {
        TarEntry::Dir { .. } => 0,
        TarEntry::File { data, .. } => data.len(),
    }
}

fn padded(len: usize) -> usize {
    len.div_ceil(BLOCK) * BLOCK
}

/// The longest prefix of `s` that fits `max` bytes without splitting a character.
fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// A PAX record `"<len> <key>=<value>\n"`, whose length counts its own digits.
fn pax_record(key: &str, value: &str) -> String {
    let body = key.len() + value.len() + 3;
    let mut len = body + 1;
    while (body + len.to_string().len()) != len {
        len = body + len.to_string().len();
    }
    format!("{len} {key}={value}\n")
}

/// Writes `value` as zero-padded octal digits followed by a NUL, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let digits = format!("{value:0width$o}");
    let digits = digits.as_bytes();
    let start = digits.len().saturating_sub(width);
    field[..width].copy_from_slice(&digits[start..]);
    field[width] = 0;
}

fn write_header(out: &mut Vec<u8>, name: &str, typeflag: u8, mode: u32, size: u64) {
    let mut header = [0u8; BLOCK];
    header[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut header[100..108], u64::from(mode));
    octal(&mut header[108..116], 0);
    octal(&mut header[116..124], 0);
    octal(&mut header[124..136], size);
    octal(&mut header[136..148], 0);
    header[156] = typeflag;
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let checksum: u64 = header.iter().map(|&b| u64::from(b)).sum();
    octal(&mut header[148..155], checksum);
    header[155] = b' ';
    out.extend_from_slice(&header);
}

fn write_data(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    out.resize(out.len() + padded(data.len()) - data.len(), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_length_counts_itself() {
        for value in ["a", &"x".repeat(90), &"y".repeat(995), &"z".repeat(9_994)] {
            let record = pax_record("path", value);
            let (len, _) = record.split_once(' ').unwrap();
            assert_eq!(len.parse::<usize>().unwrap(), record.len());
        }
    }

    #[test]
    fn same_entries_same_bytes_in_any_order() {
        let a = write(vec![
            TarEntry::File {
                path: "b.txt",
                mode: 0o644,
                data: b"b",
            },
            TarEntry::Dir { path: "d" },
            TarEntry::File {
                path: "d/x",
                mode: 0o755,
                data: b"xx",
            },
        ]);
        let b = write(vec![
            TarEntry::File {
                path: "d/x",
                mode: 0o755,
                data: b"xx",
            },
            TarEntry::File {
                path: "b.txt",
                mode: 0o644,
                data: b"b",
            },
            TarEntry::Dir { path: "d" },
        ]);
        assert_eq!(a, b);
        assert_eq!(a.len() % BLOCK, 0);
    }
}

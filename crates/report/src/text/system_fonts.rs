//! Fallback fonts from the system, for the characters neither the bundled
//! faces nor `--font` have, as Typst and desktop programs do: the font
//! folders fontconfig reads are searched for the fewest faces that cover
//! the missing characters.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A face of a font file on the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemFace {
    /// The font file.
    pub path: PathBuf,
    /// The face's index in the file (a `.ttc` collection holds several).
    pub index: u32,
}

/// The folders fontconfig reads by default on Linux (and the usual ones on
/// macOS), those that exist.
pub fn font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/usr/share/fonts", "/usr/local/share/fonts"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")));
    if let Some(data) = data_home {
        dirs.push(data.join("fonts"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".fonts"));
    }
    if cfg!(target_os = "macos") {
        dirs.extend(["/Library/Fonts", "/System/Library/Fonts"].map(PathBuf::from));
    }
    dirs.retain(|d| d.is_dir());
    dirs
}

/// The faces, among the font files under `dirs`, that together cover as
/// many of `missing` as they can: each time the face covering the most
/// characters still missing (regular upright faces first, then by path,
/// so the choice is the same on every run). Files that cannot be read or
/// parsed are passed over.
pub fn cover(missing: &BTreeSet<char>, dirs: &[PathBuf]) -> Vec<SystemFace> {
    if missing.is_empty() {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(d).follow_links(true))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_font_file(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    files.dedup();
    // Each face with the missing characters it has.
    let mut candidates: Vec<(SystemFace, BTreeSet<char>)> = Vec::new();
    for path in files {
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        for index in 0..faces {
            let Ok(face) = ttf_parser::Face::parse(&data, index) else {
                continue;
            };
            let has: BTreeSet<char> = missing
                .iter()
                .copied()
                .filter(|&c| face.glyph_index(c).is_some())
                .collect();
            if !has.is_empty() {
                let path = path.clone();
                candidates.push((SystemFace { path, index }, has));
            }
        }
    }
    let mut left = missing.clone();
    let mut chosen = Vec::new();
    while !left.is_empty() {
        let best = candidates
            .iter()
            .enumerate()
            .map(|(i, (face, has))| (i, has.intersection(&left).count(), plain(&face.path)))
            .filter(|&(_, n, _)| n > 0)
            .max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)).then(b.0.cmp(&a.0)));
        let Some((i, _, _)) = best else {
            break;
        };
        let (face, has) = candidates.swap_remove(i);
        left.retain(|c| !has.contains(c));
        chosen.push(face);
    }
    chosen
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "ttf" | "otf" | "ttc" | "otc"
        )
    })
}

/// Whether the file name looks like a regular upright face (no bold,
/// italic, light ...): those are preferred as fallbacks for body text.
fn plain(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    ![
        "bold", "italic", "oblique", "light", "thin", "black", "heavy", "mono",
    ]
    .iter()
    .any(|style| name.contains(style))
}

#[cfg(test)]
mod tests {
    use super::*;

    static DEJAVU: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
    static DEJAVU_BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

    #[test]
    fn the_fewest_plain_faces_that_cover_the_missing_characters() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("sub")).expect("sub dir");
        std::fs::write(dir.path().join("sub/DejaVuSans.ttf"), DEJAVU).expect("write");
        std::fs::write(dir.path().join("A-Bold.ttf"), DEJAVU_BOLD).expect("write");
        std::fs::write(dir.path().join("broken.ttf"), b"not a font").expect("write");
        let missing: BTreeSet<char> = ['Ж', 'Ω'].into();
        let chosen = cover(&missing, &[dir.path().to_path_buf()]);
        assert_eq!(
            chosen,
            [SystemFace {
                path: dir.path().join("sub/DejaVuSans.ttf"),
                index: 0
            }],
            "one face covers both; the regular one is preferred to the bold one"
        );
        let nothing: BTreeSet<char> = ['東'].into();
        assert!(cover(&nothing, &[dir.path().to_path_buf()]).is_empty());
        assert!(cover(&BTreeSet::new(), &[dir.path().to_path_buf()]).is_empty());
    }
}

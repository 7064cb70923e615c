//! The resizer as a consumer of messages ([`Consumable`]): each message
//! names one image, and may name its own sizes.
//!
//! `{"image": "2024/photo.jpg"}` is a path under the consumer's input
//! folder (relative to it, or absolute inside it); with an `s3://` input,
//! `{"image": "s3://photos/in/2024/photo.jpg"}` names a key under the
//! input prefix (a path relative to the prefix works too). `"sizes":
//! ["800x800", "200x200"]` replaces the consumer's `--size` boxes for that
//! image (its other settings stay). Outputs go where a run over the whole
//! folder puts them.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use pool::{Consumable, Distributed};
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::input::{Job, own_format};
use crate::job::Done;
use crate::settings::Size;
use crate::tool::Resizer;

/// One image as a message; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageItem {
    /// The image: a path under the input folder, or an `s3://` key under
    /// the input prefix.
    pub image: String,
    /// Boxes to fit it in, `WxH`, instead of the consumer's `--size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizes: Option<Vec<String>>,
}

impl Resizer {
    /// `image` as a path relative to the input folder or prefix.
    fn relative(&self, image: &str) -> Result<PathBuf, String> {
        if image.starts_with("s3://") {
            let Some(input) = self.remote().and_then(|r| r.input_url()) else {
                return Err(format!(
                    "{image}: an s3:// key, but the input folder is local"
                ));
            };
            let prefix = format!("{}/", input.display().to_string().trim_end_matches('/'));
            return image
                .strip_prefix(&prefix)
                .map(PathBuf::from)
                .ok_or_else(|| format!("{image}: not a key under {prefix}"));
        }
        let path = Path::new(image);
        let remote_input = self.remote().and_then(|r| r.input_url()).is_some();
        if !path.is_absolute() || remote_input {
            return Ok(path.to_path_buf());
        }
        let root = &self.context().input_root;
        let inside = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        inside
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .map_err(|_| format!("{image}: not inside the input folder {}", root.display()))
    }

    /// The run's settings with `sizes` as the boxes.
    fn with_sizes(&self, sizes: &[String]) -> Result<Arc<Context>, String> {
        let ctx = self.context();
        let mut settings = ctx.settings.clone();
        settings.sizes = sizes
            .iter()
            .map(|s| s.parse::<Size>().map_err(|e| format!("size {s:?}: {e}")))
            .collect::<Result<_, _>>()?;
        settings.validate().map_err(|e| e.to_string())?;
        // The records of what an output was made from carry the hash part
        // of its settings' fingerprint, as `Context::prepare` writes it.
        let fingerprint = settings.fingerprint();
        let fingerprint = fingerprint.split(' ').next().unwrap_or_default().to_owned();
        Ok(Arc::new(Context {
            input_root: ctx.input_root.clone(),
            output_root: ctx.output_root.clone(),
            suffixes: settings.suffixes(),
            settings,
            force: ctx.force,
            fingerprint,
        }))
    }
}

/// The resizer's messages: an image in, its outputs out.
impl Consumable for Resizer {
    type Item = ImageItem;

    /// The image's path relative to the input folder (or prefix).
    fn item(&self, job: &Job) -> Result<ImageItem, String> {
        Ok(ImageItem {
            image: job.rel.display().to_string(),
            sizes: None,
        })
    }

    fn job_from_item(&self, item: ImageItem, _number: u64) -> Result<Job, String> {
        let rel = self.relative(&item.image)?;
        if rel.as_os_str().is_empty()
            || !rel.components().all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(format!(
                "{}: not a path inside the input folder",
                item.image
            ));
        }
        let mut job = Distributed::job(self, rel)?;
        if let Some(sizes) = &item.sizes {
            let ctx = self.with_sizes(sizes)?;
            let own = own_format(&job.rel)
                .ok_or_else(|| format!("{}: not an image by its extension", item.image))?;
            job.outputs = ctx.outputs_for(&job.rel, own);
            job.context = Some(ctx);
        }
        Ok(job)
    }

    /// The outputs: their paths, or their `s3://` URLs.
    fn written(&self, job: &Job, _done: &Done) -> Vec<String> {
        let root = &self.context().output_root;
        job.outputs
            .iter()
            .map(|output| match self.remote().and_then(|r| r.output_url()) {
                Some(url) => {
                    let rel = output.strip_prefix(root).unwrap_or(output);
                    format!("{}/{}", url.display(), rel.display())
                }
                None => output.display().to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn resizer(input: &Path, output: &Path) -> Resizer {
        let settings = Settings {
            sizes: vec!["800x800".parse().expect("a size")],
            ..Settings::default()
        };
        Resizer::open(input, output, settings, false, None, "f.tsv".into()).expect("opens")
    }

    fn item(json: &str) -> ImageItem {
        serde_json::from_str(json).expect("an image item")
    }

    #[test]
    fn a_message_names_an_image_under_the_input_folder() -> Result<(), Box<dyn std::error::Error>> {
        let (input, output) = (tempfile::tempdir()?, tempfile::tempdir()?);
        std::fs::create_dir(input.path().join("2024"))?;
        std::fs::write(input.path().join("2024/a.jpg"), b"")?;
        let resizer = resizer(input.path(), output.path());
        let out = resizer.context().output_root.join("2024/a.jpg");
        let job = resizer.job_from_item(item(r#"{"image": "2024/a.jpg"}"#), 1)?;
        assert_eq!(
            (job.rel.as_path(), job.outputs.as_slice()),
            (Path::new("2024/a.jpg"), [out.clone()].as_slice())
        );
        let absolute = format!(
            r#"{{"image": "{}"}}"#,
            input.path().join("2024/a.jpg").display()
        );
        assert_eq!(
            resizer.job_from_item(item(&absolute), 2)?.rel,
            Path::new("2024/a.jpg")
        );
        assert_eq!(
            resizer.written(&job, &Done::default()),
            [out.display().to_string()]
        );
        assert_eq!(resizer.item(&job)?, item(r#"{"image": "2024/a.jpg"}"#));
        Ok(())
    }

    #[test]
    fn sizes_of_its_own_make_their_own_outputs() -> Result<(), Box<dyn std::error::Error>> {
        let (input, output) = (tempfile::tempdir()?, tempfile::tempdir()?);
        let resizer = resizer(input.path(), output.path());
        let job = resizer.job_from_item(
            item(r#"{"image": "a.png", "sizes": ["400x400", "100x100"]}"#),
            1,
        )?;
        let names: Vec<_> = job
            .outputs
            .iter()
            .filter_map(|o| o.file_name()?.to_str())
            .collect();
        assert_eq!(names, ["a-400.png", "a-100.png"]);
        let sizes: Vec<String> = job
            .context
            .as_ref()
            .map(|c| c.settings.sizes.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        assert_eq!(sizes, ["400x400", "100x100"]);
        let bad = resizer.job_from_item(item(r#"{"image": "a.png", "sizes": ["big"]}"#), 2);
        assert!(bad.is_err_and(|e| e.contains("\"big\"")));
        Ok(())
    }

    #[test]
    fn what_is_not_an_image_inside_the_folder_is_refused() -> Result<(), Box<dyn std::error::Error>>
    {
        let (input, output) = (tempfile::tempdir()?, tempfile::tempdir()?);
        let resizer = resizer(input.path(), output.path());
        for (json, reason) in [
            (r#"{"image": "notes.txt"}"#, "not an image by its extension"),
            (
                r#"{"image": "../a.jpg"}"#,
                "not a path inside the input folder",
            ),
            (r#"{"image": "/etc/a.jpg"}"#, "not inside the input folder"),
            (
                r#"{"image": "s3://b/in/a.jpg"}"#,
                "the input folder is local",
            ),
        ] {
            let e = resizer.job_from_item(item(json), 1).expect_err(json);
            assert!(e.contains(reason), "{json}: {e}");
        }
        assert!(serde_json::from_str::<ImageItem>(r#"{"path": "a.jpg"}"#).is_err());
        Ok(())
    }
}

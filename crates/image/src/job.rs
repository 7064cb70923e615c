//! One job: an input file decoded once, resized to every size, written
//! safely.

use std::cell::RefCell;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use fast_image_resize::Resizer;

use crate::colour::metadata::Metadata;
use crate::context::Context;
use crate::decode::{self, Header, LoadScale};
use crate::encode::{self, Encoding};
use crate::error::ImageError;
use crate::input::{Job, own_format};
use crate::made::{self, Source};
use crate::resize;
use crate::resize::geometry::{self, Plan};
use crate::resize::orient;
use crate::resize::planes;
use crate::resize::smart_crop;
use crate::settings::{Crop, Fit, Format};

/// What a finished job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    /// Outputs written.
    pub written: usize,
    /// Things worth a warning (an unusable ICC profile).
    pub notes: Vec<String>,
    /// How far the input was shrunk while it was decoded.
    pub decoded_at: LoadScale,
}

/// How much the decoded JPEG must still be reduced by the filter.
const JPEG_MARGIN: f64 = 1.0;

/// How much a box-shrunk image must still be reduced by the filter: as
/// libvips's `vips_resize` does, at least 2x.
const BOX_MARGIN: f64 = 2.0;

thread_local! {
    static RESIZER: RefCell<Resizer> = RefCell::new(Resizer::new());
}

/// Makes the outputs of `job`. (Skipping a job whose outputs are up to
/// date is the source's business: [`Walker`](crate::Walker)'s
/// [`skip`](pool::JobSource::skip).)
///
/// # Errors
///
/// An [`ImageError`] naming the file: unreadable, empty, corrupt, too
/// large, unsupported, or an output that cannot or must not be written.
pub fn process(ctx: &Context, job: &Job) -> Result<Done, ImageError> {
    // What the outputs are made from, taken before the bytes are read: an
    // input replaced meanwhile is then redone by the next run.
    let source = Source::of(&job.input).map_err(|e| ImageError::io(&job.input, e))?;
    let bytes = fs::read(&job.input).map_err(|e| ImageError::io(&job.input, e))?;
    let settings = &ctx.settings;
    let stored_plans = |w: u32, h: u32, orientation: u8| -> Vec<Plan> {
        settings
            .sizes
            .iter()
            .map(|&size| {
                let size = if orient::swaps_axes(orientation) {
                    crate::settings::Size {
                        width: size.height,
                        height: size.width,
                    }
                } else {
                    size
                };
                geometry::plan(w, h, size, settings.fit, settings.enlarge)
            })
            .collect()
    };
    let own = own_format(&job.input).unwrap_or(Format::Jpeg);
    let format = settings.format.unwrap_or(own);
    // A JPEG's own Y, Cb and Cr planes make JPEG outputs directly (see
    // `planes`) unless its colours must be converted from its profile or
    // a smart crop needs RGB to score.
    let planar =
        format == Format::Jpeg && (settings.fit != Fit::Cover || settings.crop == Crop::Centre);
    let mut full = (0, 0);
    let decoded = decode::decode(
        &job.input,
        &bytes,
        settings.max_pixels,
        |h: Header| {
            full = (h.width, h.height);
            let plans = stored_plans(h.width, h.height, h.orientation);
            geometry::load_shrink(h.width, h.height, &plans, JPEG_MARGIN, BOX_MARGIN)
        },
        |icc| {
            planar && (settings.keep_metadata || !icc.is_some_and(crate::colour::needs_conversion))
        },
    )?;
    drop(bytes);
    let px = &decoded.pixels;
    if full == (0, 0) {
        full = (px.width, px.height);
    }
    let (sx, sy) = (
        f64::from(px.width) / f64::from(full.0),
        f64::from(px.height) / f64::from(full.1),
    );
    tracing::debug!(
        "{}: {}x{} decoded at {} ({}x{})",
        job.input.display(),
        full.0,
        full.1,
        decoded.scale,
        px.width,
        px.height
    );
    let plans = stored_plans(full.0, full.1, decoded.orientation);
    let encoding = Encoding {
        format,
        quality: settings.quality,
        avif_speed: settings.avif_speed,
        lossless: settings.lossless,
        background: settings.background.0,
        palette: decoded.palette,
    };
    let mut done = Done {
        decoded_at: decoded.scale,
        ..Done::default()
    };
    let meta = if settings.keep_metadata {
        let (meta, note) = Metadata::kept(decoded.exif.as_deref(), decoded.icc.as_deref());
        done.notes
            .extend(note.map(|n| format!("{}: {n}", job.input.display())));
        meta
    } else {
        Metadata::default()
    };
    for (plan, output) in plans.iter().zip(&job.outputs) {
        let mut plan = plan.scaled(sx, sy);
        if settings.fit == Fit::Cover {
            plan.crop = smart_crop::place(px, plan.crop, settings.crop);
        }
        if let Some(chroma) = &decoded.chroma {
            let planes = RESIZER
                .with_borrow_mut(|r| {
                    planes::resize_420(r, px, chroma, &plan, settings.filter, decoded.orientation)
                })
                .map_err(|reason| ImageError::Resize {
                    path: job.input.clone(),
                    reason,
                })?;
            let (width, height) = (planes.y.width, planes.y.height);
            let encoded = encode::jpeg::encode_420(
                &planes,
                settings.quality,
                &meta.for_output(width, height),
            )
            .map_err(|reason| ImageError::Encode {
                path: output.clone(),
                reason,
            })?;
            write_output(ctx, job, output, &encoded)?;
            tracing::debug!(
                "wrote {} ({width}x{height} from YCbCr planes, {} bytes)",
                output.display(),
                encoded.len()
            );
            done.written += 1;
            continue;
        }
        let small = RESIZER
            .with_borrow_mut(|r| resize::resize(r, px, &plan, settings.filter))
            .map_err(|reason| ImageError::Resize {
                path: job.input.clone(),
                reason,
            })?;
        let mut small = orient::apply(small, decoded.orientation);
        // Kept metadata keeps the profile, so the pixels stay in its space
        // (but AVIF outputs carry no profile: always sRGB).
        let keeps_profile = settings.keep_metadata && encoding.format != Format::Avif;
        if let Some(icc) = decoded.icc.as_ref().filter(|_| !keeps_profile) {
            let (converted, note) = crate::colour::to_srgb(small, icc);
            small = converted;
            if let Some(note) = note {
                done.notes.push(format!("{}: {note}", job.input.display()));
            }
        }
        let (width, height) = (small.width, small.height);
        let meta = meta.for_output(width, height);
        let encoded =
            encode::encode(small, &encoding, &meta).map_err(|reason| ImageError::Encode {
                path: output.clone(),
                reason,
            })?;
        write_output(ctx, job, output, &encoded)?;
        tracing::debug!(
            "wrote {} ({width}x{height}, {} bytes)",
            output.display(),
            encoded.len()
        );
        done.written += 1;
    }
    // Recorded last: outputs without a record are redone.
    let record = made::record_path(&ctx.output_root, &job.rel);
    let dir = ensure_dir(ctx, &job.input, &record)?;
    let record = dir.join(record.file_name().unwrap_or_default());
    pool::write_atomic(
        &record,
        made::record_text(source, &ctx.fingerprint).as_bytes(),
    )
    .map_err(|e| ImageError::io(&record, e))?;
    Ok(done)
}

/// Creates the folders from the output root down to `output`'s, refusing
/// any step that is not a plain name or that resolves (through a symbolic
/// link) outside the output root; returns the canonical folder.
fn ensure_dir(ctx: &Context, input: &Path, output: &Path) -> Result<PathBuf, ImageError> {
    let escape = || ImageError::Escape {
        input: input.to_owned(),
        output: output.to_owned(),
    };
    let rel = output
        .strip_prefix(&ctx.output_root)
        .map_err(|_| escape())?;
    let parent = rel.parent().unwrap_or(Path::new(""));
    let mut dir = ctx.output_root.clone();
    for component in parent.components() {
        let Component::Normal(name) = component else {
            return Err(escape());
        };
        dir.push(name);
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = dir.canonicalize().map_err(|e| ImageError::io(&dir, e))?;
                if !target.starts_with(&ctx.output_root) {
                    return Err(escape());
                }
                dir = target;
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(ImageError::io(&dir, e)),
            },
            Err(e) => return Err(ImageError::io(&dir, e)),
        }
    }
    let dir = dir.canonicalize().map_err(|e| ImageError::io(&dir, e))?;
    if !dir.starts_with(&ctx.output_root) {
        return Err(escape());
    }
    Ok(dir)
}

/// Writes `data` to `output` through a temporary file and a rename, so a
/// reader (or an interrupted run) never sees half a file, and a symbolic
/// link at `output` is replaced rather than followed.
fn write_output(ctx: &Context, job: &Job, output: &Path, data: &[u8]) -> Result<(), ImageError> {
    let dir = ensure_dir(ctx, &job.input, output)?;
    let name = output.file_name().ok_or_else(|| ImageError::Escape {
        input: job.input.clone(),
        output: output.to_owned(),
    })?;
    let target = dir.join(name);
    // An output inside the input folder is allowed only when the whole
    // output folder is (then the walk does not enter it).
    if target.starts_with(&ctx.input_root) && !ctx.output_root.starts_with(&ctx.input_root)
        || target == job.input
    {
        return Err(ImageError::OverwritesInput {
            input: job.input.clone(),
            output: target,
        });
    }
    pool::write_atomic(&target, data).map_err(|e| ImageError::io(&target, e))
}

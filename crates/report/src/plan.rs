//! [`ReportPlan`] and [`ReportPayload`]: a reporter run as a distributed
//! engine stores it: the layout, the fonts and the columns once per run,
//! each group as its key, file name and rows.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::batch::{Renderer, SetupError};
use crate::fonts::FontSet;
use crate::input::{Columns, Record};
use crate::layout::Layout;
use crate::logo::LogoImage;

/// What every report of a run shares. Font and logo files are named by
/// path: a shared mount every worker sees at the same path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportPlan {
    /// The layout (the layout file's, or the default one made from the
    /// whole input).
    pub layout: Layout,
    /// The input's columns, in order.
    pub columns: Vec<String>,
    /// The fallback fonts after the bundled ones, in order: file and face.
    pub fallbacks: Vec<(PathBuf, u32)>,
    /// Every character the run draws (fallback fonts are cut down to them).
    pub chars: String,
    /// The output folder.
    pub out_dir: PathBuf,
}

/// One group of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportPayload {
    /// The group column's value.
    pub key: String,
    /// The report's file name in the output folder.
    pub file_name: String,
    /// The group's rows.
    pub rows: Vec<Record>,
}

impl ReportPlan {
    /// The renderer this plan describes: the bundled fonts and the
    /// fallbacks, the logo read again from the layout's path.
    ///
    /// # Errors
    ///
    /// A font or the logo cannot be read on this machine, or the output
    /// folder cannot be created.
    pub fn renderer(&self) -> Result<Renderer, SetupError> {
        let mut fonts = FontSet::bundled()?;
        for (path, index) in &self.fallbacks {
            fonts.add_fallback_face(path, *index)?;
        }
        fonts.fit_to_run(&self.chars.chars().collect());
        let logo = self
            .layout
            .logo
            .as_ref()
            .map(|l| LogoImage::load(&l.path))
            .transpose()?;
        let mut columns = Columns::default();
        for name in &self.columns {
            columns.intern(name);
        }
        Renderer::new(
            self.layout.clone(),
            fonts,
            logo,
            Arc::new(columns),
            &self.out_dir,
        )
    }
}

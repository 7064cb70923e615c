//! Stage 5: text. The fonts ([`fonts`]: bundled DejaVu Sans, `--font`
//! files and [`system_fonts`] as fallbacks, per character), their cuts for
//! embedding ([`embed`], [`sfnt`]), shaping ([`shaping`]: rustybuzz, bidi,
//! a cache per thread) and what is measured with shaped text ([`fit`]:
//! readying a font set for a run; [`wrap`]: widths, wrapping and
//! clipping). [`fonts`] comes first and knows nothing of shaping; the
//! modules after it use both.

pub(crate) mod embed;
pub(crate) mod fit;
pub(crate) mod fonts;
pub(crate) mod sfnt;
pub(crate) mod shaping;
pub(crate) mod system_fonts;
pub(crate) mod wrap;

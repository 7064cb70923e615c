//! Stage 6: the PDF. [`draw`] lays a prepared report out on pages of a
//! [`canvas`], which writes them through printpdf: text as content-stream
//! bytes ([`content`], [`text_ops`], [`glyph_codes`]) in the colours of
//! [`colour`], the [`logo`] as one image stream per run, the document's
//! [`doc_info`]; [`output`] puts the finished file in a folder or a
//! bucket. It uses every stage before it (rows, layout, text); none of
//! them uses it.

pub(crate) mod canvas;
pub(crate) mod colour;
pub(crate) mod content;
pub(crate) mod doc_info;
pub(crate) mod draw;
pub(crate) mod glyph_codes;
pub(crate) mod logo;
pub(crate) mod output;
pub(crate) mod prelude;
pub(crate) mod text_ops;
pub(crate) mod writer;

//! [`Rgb`]: the colours a page is drawn in, below both the canvas that
//! draws them and the content stream that writes them.

/// An RGB colour, components 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

/// Black.
pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

//! Shaped lines and shaping plans, cached per thread.
//!
//! A worker thread renders report after report with the same fonts, and a
//! report repeats its headers, labels, SKUs and names: the second time a
//! string is drawn its glyphs come from here. The cache belongs to one
//! [`FontSet`] at a time (by [`FontSet::id`]) and is emptied when it grows
//! past [`MAX_LINES`], so memory stays bounded.

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::sync::Arc;

use rustybuzz::{Direction as HbDirection, Script, ShapePlan};

use super::{Direction, Shaped};
use crate::text::fonts::{FaceId, FontSet};

/// Lines kept per thread before the cache starts over.
const MAX_LINES: usize = 20_000;

/// Shaping plans by face, direction and script.
#[derive(Default)]
pub(crate) struct Plans {
    plans: HashMap<(FaceId, HbDirection, Script), ShapePlan>,
}

impl std::fmt::Debug for Plans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plans")
            .field("len", &self.plans.len())
            .finish()
    }
}

impl Plans {
    /// The plan for a face not (yet) in a [`FontSet`], keyed as face 0.
    pub(crate) fn get_for(
        &mut self,
        face: &rustybuzz::Face<'_>,
        direction: HbDirection,
        script: Script,
    ) -> &ShapePlan {
        self.plans
            .entry((0, direction, script))
            .or_insert_with(|| ShapePlan::new(face, direction, Some(script), None, &[]))
    }

    /// The plan for `face` (of `fonts`), made the first time.
    pub(crate) fn get(
        &mut self,
        fonts: &FontSet,
        face: FaceId,
        direction: HbDirection,
        script: Script,
    ) -> &ShapePlan {
        self.plans
            .entry((face, direction, script))
            .or_insert_with(|| {
                ShapePlan::new(
                    fonts.faces()[face].shaping(),
                    direction,
                    Some(script),
                    None,
                    &[],
                )
            })
    }
}

#[derive(Default)]
struct Cache {
    fonts: u64,
    /// By bold, then direction (Auto, Ltr, Rtl).
    lines: [HashMap<Box<str>, Arc<Shaped>>; 6],
    len: usize,
    plans: Plans,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// `text` shaped with `fonts`, from this thread's cache when it was shaped
/// before.
pub(crate) fn cached(fonts: &FontSet, text: &str, bold: bool, direction: Direction) -> Arc<Shaped> {
    CACHE.with_borrow_mut(|cache| {
        if cache.fonts != fonts.id() {
            *cache = Cache {
                fonts: fonts.id(),
                ..Cache::default()
            };
        }
        let slot = usize::from(bold) * 3
            + match direction {
                Direction::Auto => 0,
                Direction::Ltr => 1,
                Direction::Rtl => 2,
            };
        if let Some(hit) = cache.lines[slot].get(text) {
            return Arc::clone(hit);
        }
        let shaped = Arc::new(super::shape(fonts, text, bold, direction, &mut cache.plans));
        if cache.len >= MAX_LINES {
            cache.lines.iter_mut().for_each(HashMap::clear);
            cache.len = 0;
        }
        cache.lines[slot].insert(text.into(), Arc::clone(&shaped));
        cache.len += 1;
        shaped
    })
}

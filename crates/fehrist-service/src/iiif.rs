//! A record's sheets for IIIF viewers: images drawn from the signed master (the Image
//! API), and the words a query finds within a record (Content Search). The caller's
//! clearance applies as to every other channel: below the clearance that reads the
//! personal data, a sheet is drawn grey with those words black, and they are not found.
//!
//! Decoded sheets and drawn images are kept in memory ([`Derivatives`]), so a viewer
//! asking for the tiles around the one it shows is answered without decoding the
//! master again. They are derived data: never signed, never stored.

use std::hash::Hash;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fehrist_iiif::{Derivation, ImageRequest};
use fehrist_index::QueryWords;
use fehrist_model::{Manifest, SheetRedactions};
use fehrist_ocr::ShownSheet;
use fehrist_registry::{Registry, RegistryError};

use crate::pages::{hidden_from, page};
use crate::{Caller, ServiceError};

/// What identifies a decoded sheet: its master, the page of it, and what is masked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SheetKey {
    master: String,
    page: u32,
    masked: Option<(Vec<[u32; 4]>, bool)>,
}

/// A least-recently-used map bounded by the bytes its values hold.
#[derive(Debug)]
struct Bounded<K: Hash + Eq, V> {
    entries: lru::LruCache<K, (V, usize)>,
    held: usize,
    budget: usize,
}

impl<K: Hash + Eq, V: Clone> Bounded<K, V> {
    fn new(budget: usize) -> Self {
        Bounded {
            entries: lru::LruCache::unbounded(),
            held: 0,
            budget,
        }
    }

    fn get(&mut self, key: &K) -> Option<V> {
        self.entries.get(key).map(|(value, _)| value.clone())
    }

    fn put(&mut self, key: K, value: V, size: usize) {
        if size > self.budget {
            return;
        }
        if let Some((_, old)) = self.entries.put(key, (value, size)) {
            self.held -= old;
        }
        self.held += size;
        while self.held > self.budget {
            match self.entries.pop_lru() {
                Some((_, (_, size))) => self.held -= size,
                None => break,
            }
        }
    }
}

/// Decoded sheets and drawn images kept for the next request.
#[derive(Debug)]
pub struct Derivatives {
    sheets: Mutex<Bounded<SheetKey, Arc<ShownSheet>>>,
    drawn: Mutex<Bounded<(SheetKey, Derivation), Bytes>>,
    /// Sheets being decoded, so that the tiles a viewer asks for at once wait for one
    /// decoding instead of each starting its own.
    decoding: tokio::sync::Mutex<()>,
}

impl Derivatives {
    /// At most `sheet_bytes` of decoded pixels and `drawn_bytes` of encoded images.
    pub fn new(sheet_bytes: usize, drawn_bytes: usize) -> Self {
        Derivatives {
            sheets: Mutex::new(Bounded::new(sheet_bytes)),
            drawn: Mutex::new(Bounded::new(drawn_bytes)),
            decoding: tokio::sync::Mutex::new(()),
        }
    }
}

impl Default for Derivatives {
    /// 512 MiB of decoded sheets (about 20 A4 colour scans at 300 dpi) and 128 MiB of
    /// drawn tiles.
    fn default() -> Self {
        Derivatives::new(512 << 20, 128 << 20)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn task_failed(error: tokio::task::JoinError) -> ServiceError {
    ServiceError::Image(fehrist_ocr::OcrError::Engine {
        source: Box::new(error),
    })
}

/// The sheet decoded as the caller may see it, and its key.
async fn shown_sheet(
    registry: &Registry,
    derivatives: &Derivatives,
    caller: &Caller,
    manifest: &Manifest,
    sheet: u32,
) -> Result<(SheetKey, Arc<ShownSheet>), ServiceError> {
    let page = page(manifest, sheet)?;
    let hidden = hidden_from(registry, caller, manifest).await?;
    let masked: Option<SheetRedactions> = hidden.as_ref().and_then(|h| h.sheet(sheet)).cloned();
    let key = SheetKey {
        master: page.master.sha256.to_string(),
        page: page.source.page,
        masked: masked.as_ref().map(|m| (m.boxes.clone(), m.whole_image)),
    };
    if let Some(shown) = lock(&derivatives.sheets).get(&key) {
        return Ok((key, shown));
    }
    let _decoding = derivatives.decoding.lock().await;
    if let Some(shown) = lock(&derivatives.sheets).get(&key) {
        return Ok((key, shown));
    }
    let bytes = registry
        .store()
        .get_blob(&page.master.sha256)
        .await
        .map_err(RegistryError::from)?;
    let number = page.source.page;
    let shown = tokio::task::spawn_blocking(move || match masked {
        None => ShownSheet::decode(&bytes, number),
        Some(m) => ShownSheet::masked(&bytes, number, &m.boxes, m.whole_image),
    })
    .await
    .map_err(task_failed)??;
    let shown = Arc::new(shown);
    let size = shown.bytes_held();
    lock(&derivatives.sheets).put(key.clone(), Arc::clone(&shown), size);
    Ok((key, shown))
}

/// A sheet's size in pixels as it is drawn: what its image information says.
pub async fn sheet_size(
    registry: &Registry,
    derivatives: &Derivatives,
    caller: &Caller,
    manifest: &Manifest,
    sheet: u32,
) -> Result<(u32, u32), ServiceError> {
    let (_, shown) = shown_sheet(registry, derivatives, caller, manifest, sheet).await?;
    Ok((shown.width(), shown.height()))
}

/// An image drawn from a sheet as the request asks (a region, scaled, turned, in a
/// quality and format), with its media type. A request that does not fit the sheet
/// is [`ServiceError::Invalid`].
pub async fn sheet_image(
    registry: &Registry,
    derivatives: &Derivatives,
    caller: &Caller,
    manifest: &Manifest,
    sheet: u32,
    request: &ImageRequest,
) -> Result<(Bytes, &'static str), ServiceError> {
    let (key, shown) = shown_sheet(registry, derivatives, caller, manifest, sheet).await?;
    let derivation = request
        .resolve(shown.width(), shown.height())
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let media_type = derivation.format.media_type();
    let drawn_key = (key, derivation);
    if let Some(drawn) = lock(&derivatives.drawn).get(&drawn_key) {
        return Ok((drawn, media_type));
    }
    let drawn = tokio::task::spawn_blocking(move || shown.draw(&derivation))
        .await
        .map_err(task_failed)??;
    let drawn = Bytes::from(drawn);
    let size = drawn.len();
    lock(&derivatives.drawn).put(drawn_key, drawn.clone(), size);
    Ok((drawn, media_type))
}

/// A word of a record that a query finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundWord {
    pub sheet: u32,
    /// Left, top, right, bottom in the sheet's pixels.
    pub bbox: [u32; 4],
    pub text: String,
}

/// The words of a record that `query` finds, sheet by sheet in reading order, by the
/// search index's rules; a word the caller may not read is never found.
pub async fn search_record(
    registry: &Registry,
    caller: &Caller,
    manifest: &Manifest,
    query: &str,
) -> Result<Vec<FoundWord>, ServiceError> {
    let mut query = QueryWords::new(query);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let hidden = hidden_from(registry, caller, manifest).await?;
    let words = registry.page_words(manifest).await?;
    let mut found = Vec::new();
    for (page, words) in manifest.pages.iter().zip(words) {
        let masked = hidden.as_ref().and_then(|h| h.sheet(page.sheet));
        if masked.is_some_and(|m| m.whole_image) {
            continue;
        }
        let boxes = masked.map(|m| m.boxes.as_slice()).unwrap_or_default();
        for word in words {
            if boxes.iter().any(|b| overlaps(b, &word.bbox)) {
                continue;
            }
            if query.matches(&word.text, &word.language) {
                found.push(FoundWord {
                    sheet: page.sheet,
                    bbox: word.bbox,
                    text: word.text,
                });
            }
        }
    }
    Ok(found)
}

fn overlaps(a: &[u32; 4], b: &[u32; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_go_first_when_over_budget() {
        let mut cache = Bounded::new(10);
        cache.put("a", 1, 4);
        cache.put("b", 2, 4);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.put("c", 3, 4);
        assert_eq!(cache.get(&"b"), None, "b was used least lately");
        assert_eq!(cache.get(&"a"), Some(1));
        assert_eq!(cache.get(&"c"), Some(3));
        cache.put("huge", 4, 11);
        assert_eq!(cache.get(&"huge"), None, "larger than the whole budget");
        cache.put("a", 5, 2);
        assert_eq!(cache.held, 6);
    }

    #[test]
    fn boxes_overlap_when_they_share_pixels() {
        assert!(overlaps(&[0, 0, 10, 10], &[5, 5, 20, 20]));
        assert!(!overlaps(&[0, 0, 10, 10], &[10, 0, 20, 10]));
    }
}

//! IIIF, the standard that archive viewers speak, for a record's sheets: the Image API
//! 3.0 request grammar and image information ([`image`]), a record's Presentation API
//! 3.0 manifest ([`presentation`]) and the Content Search API 2.0 answer within a record
//! ([`search`]). Pure: the caller gives the sheets, their sizes and the URLs; this crate
//! says what to draw and writes the JSON.

pub mod image;
pub mod presentation;
pub mod search;

pub use image::{Derivation, Format, ImageRequest, ImageRequestError, Quality, Rect, image_info};
pub use presentation::{Canvas, Link, RecordManifest, presentation_manifest};
pub use search::{SearchHit, search_answer};

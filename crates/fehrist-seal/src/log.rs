//! The transparency log: C2SP tlog-tiles with RFC 6962 hashing, and C2SP checkpoints as
//! signed notes.
//!
//! A log entry is the 32-byte SHA-256 of a manifest's canonical bytes; its Merkle leaf
//! hash is SHA-256(0x00 ‖ entry) (RFC 6962). Tiles are 8 levels high and live at
//!
//! ```text
//! tile/0/x001/234          full tile of level-0 hashes number 1234 (256 hashes)
//! tile/1/000.p/17          partial tile, 17 hashes wide
//! tile/entries/000.p/17    the entries themselves, each a big-endian u16 length + bytes
//! checkpoint               origin, size, base64 root hash, then the signature lines
//! ```
//!
//! Hashing, tiles and proofs come from `tlog_tiles` (a port of Go's `sumdb/tlog`), and
//! note signatures from `signed_note`, both from Cloudflare's azul, so that Go's `tlog` and
//! `note` packages and witnesses check the same bytes. Only the path layout is written
//! here: `tlog_tiles` 0.2 prints Go's older `tile/8/L/N` paths.
//!
//! Nothing here does I/O. [`TreeHashes`] holds the tiles a computation needs; when one
//! is missing the computation answers [`Need::Tiles`], the caller fetches them and asks
//! again.

use std::cell::RefCell;
use std::collections::HashMap;

use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::{Checkpoint, HashReader, Tile};

use crate::{SealError, StationKey, VerifierKey};

/// Tile height: 2⁸ = 256 hashes or entries per full tile.
pub const TILE_HEIGHT: u8 = 8;
const WIDTH: u64 = 1 << TILE_HEIGHT;

/// A hash in the Merkle tree.
pub type TreeHash = [u8; 32];

/// The log entry for a manifest: the SHA-256 of its stored bytes.
pub fn log_entry(manifest_bytes: &[u8]) -> TreeHash {
    use sha2::Digest as _;
    sha2::Sha256::digest(manifest_bytes).into()
}

/// RFC 6962 leaf hash of an entry.
pub fn leaf_hash(entry: &[u8]) -> TreeHash {
    tlog_tiles::record_hash(entry).0
}

/// The root hash of the empty tree.
pub const EMPTY_ROOT: TreeHash = tlog_tiles::EMPTY_HASH.0;

/// A tile to read or write, by its place in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileRef {
    pub level: u8,
    pub number: u64,
    pub width: u32,
    pub entries: bool,
}

impl TileRef {
    fn tile(self) -> Tile {
        let mut tile = Tile::new(TILE_HEIGHT, self.level, self.number, self.width, false);
        if self.entries {
            tile.set_is_data();
        }
        tile
    }

    /// The C2SP tlog-tiles path, relative to the log's prefix.
    pub fn path(self) -> String {
        // Go's layout is tile/H/L/N or tile/H/data/N; C2SP drops H and says entries.
        let go = self.tile().path();
        let rest = go
            .strip_prefix(&format!("tile/{TILE_HEIGHT}/"))
            .expect("tlog_tiles paths start with tile/H/");
        match rest.strip_prefix("data/") {
            Some(n) => format!("tile/entries/{n}"),
            None => format!("tile/{rest}"),
        }
    }
}

/// The width a tile has in a tree of `size` leaves (0 if it does not exist yet).
fn width_at(level: u8, number: u64, size: u64) -> u32 {
    let at_level = size >> (u32::from(TILE_HEIGHT) * u32::from(level));
    at_level.saturating_sub(number * WIDTH).min(WIDTH) as u32
}

/// An answer, or the tiles needed before it can be given.
#[derive(Debug, PartialEq, Eq)]
pub enum Need<T> {
    Done(T),
    Tiles(Vec<TileRef>),
}

/// The hashes of a tree of `size` leaves that a computation can see: tiles the caller
/// read from storage, and hashes computed in this process.
#[derive(Debug, Default)]
pub struct TreeHashes {
    size: u64,
    tiles: HashMap<(u8, u64), Vec<u8>>,
    bundles: HashMap<u64, Vec<Vec<u8>>>,
    fresh: HashMap<u64, tlog_tiles::Hash>,
    missing: RefCell<Vec<TileRef>>,
}

impl TreeHashes {
    /// The hashes of the stored tree of `size` leaves (as its checkpoint says).
    pub fn new(size: u64) -> Self {
        TreeHashes {
            size,
            ..Self::default()
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds a tile the caller read, as it was asked for in [`Need::Tiles`].
    pub fn add_tile(&mut self, tile: TileRef, data: Vec<u8>) -> Result<(), SealError> {
        if tile.entries {
            let entries = parse_bundle(&data).ok_or(SealError::Log {
                what: "entry bundle is malformed",
            })?;
            if entries.len() != tile.width as usize {
                return Err(SealError::Log {
                    what: "entry bundle has the wrong number of entries",
                });
            }
            self.bundles.insert(tile.number, entries);
        } else {
            if data.len() != tile.width as usize * 32 {
                return Err(SealError::Log {
                    what: "tile has the wrong length",
                });
            }
            self.tiles.insert((tile.level, tile.number), data);
        }
        Ok(())
    }

    fn ask<T>(&self, result: Result<T, tlog_tiles::Error>) -> Result<Need<T>, SealError> {
        let mut missing = self.missing.take();
        match result {
            Ok(value) if missing.is_empty() => Ok(Need::Done(value)),
            _ if !missing.is_empty() => {
                missing.sort_by_key(|t| (t.level, t.number));
                missing.dedup();
                Ok(Need::Tiles(missing))
            }
            Ok(_) => unreachable!("missing is empty in the first arm"),
            Err(_) => Err(SealError::Log {
                what: "the tree's hashes are inconsistent",
            }),
        }
    }

    /// The root hash of the tree.
    pub fn root(&self) -> Result<Need<TreeHash>, SealError> {
        self.ask(tlog_tiles::tree_hash(self.size, self).map(|h| h.0))
    }

    /// Proof that leaf `index` is in the tree.
    pub fn inclusion_proof(&self, index: u64) -> Result<Need<Vec<TreeHash>>, SealError> {
        self.ask(
            tlog_tiles::prove_record(self.size, index, self)
                .map(|p| p.iter().map(|h| h.0).collect()),
        )
    }

    /// Proof that the tree of `old_size` leaves is a prefix of this one.
    pub fn consistency_proof(&self, old_size: u64) -> Result<Need<Vec<TreeHash>>, SealError> {
        self.ask(
            tlog_tiles::prove_tree(self.size, old_size, self)
                .map(|p| p.iter().map(|h| h.0).collect()),
        )
    }

    /// The entry at `index`, from its entry bundle.
    pub fn entry(&self, index: u64) -> Need<Vec<u8>> {
        let number = index / WIDTH;
        match self.bundles.get(&number) {
            Some(bundle) => Need::Done(bundle[(index % WIDTH) as usize].clone()),
            None => Need::Tiles(vec![TileRef {
                level: 0,
                number,
                width: width_at(0, number, self.size),
                entries: true,
            }]),
        }
    }

    /// Appends entries: computes the new tiles and entry bundles to write (written
    /// before the checkpoint that covers them) and the new root.
    pub fn append(&mut self, entries: &[Vec<u8>]) -> Result<Need<Append>, SealError> {
        let old = self.size;
        let new = old + entries.len() as u64;
        // The partial entry bundle at the old edge is rewritten wider, so it is needed.
        if !old.is_multiple_of(WIDTH) && !self.bundles.contains_key(&(old / WIDTH)) {
            return Ok(Need::Tiles(vec![TileRef {
                level: 0,
                number: old / WIDTH,
                width: (old % WIDTH) as u32,
                entries: true,
            }]));
        }
        self.fresh.clear();
        for (i, entry) in entries.iter().enumerate() {
            let n = old + i as u64;
            let hashes = tlog_tiles::stored_hashes(n, entry, &*self);
            match self.ask(hashes)? {
                Need::Done(hashes) => {
                    let first = tlog_tiles::stored_hash_index(0, n);
                    for (k, hash) in hashes.into_iter().enumerate() {
                        self.fresh.insert(first + k as u64, hash);
                    }
                }
                Need::Tiles(tiles) => return Ok(Need::Tiles(tiles)),
            }
        }
        // Bundles are built aside: a computation that stops for tiles is asked again
        // from the start and must find the stored state as it was.
        let mut bundles: HashMap<u64, Vec<Vec<u8>>> = HashMap::new();
        if let Some(edge) = self
            .bundles
            .get(&(old / WIDTH))
            .filter(|_| !old.is_multiple_of(WIDTH))
        {
            bundles.insert(old / WIDTH, edge.clone());
        }
        for (i, entry) in entries.iter().enumerate() {
            let n = old + i as u64;
            bundles.entry(n / WIDTH).or_default().push(entry.clone());
        }
        let mut writes = Vec::new();
        for tile in Tile::new_tiles(TILE_HEIGHT, old, new) {
            let data = match self.ask(tile.read_data(&*self))? {
                Need::Done(data) => data,
                Need::Tiles(tiles) => return Ok(Need::Tiles(tiles)),
            };
            let place = TileRef {
                level: tile.level(),
                number: tile.level_index(),
                width: tile.width(),
                entries: false,
            };
            if place.level == 0 {
                let bundle = &bundles[&place.number][..place.width as usize];
                writes.push((
                    TileRef {
                        entries: true,
                        ..place
                    },
                    encode_bundle(bundle),
                ));
            }
            writes.push((place, data));
        }
        let previous = self.size;
        self.size = new;
        let root = match self.root()? {
            Need::Done(root) => root,
            Need::Tiles(tiles) => {
                self.size = previous;
                return Ok(Need::Tiles(tiles));
            }
        };
        // The new tiles become what a reader of the new tree sees.
        for (place, data) in &writes {
            self.add_tile(*place, data.clone())?;
        }
        self.fresh.clear();
        Ok(Need::Done(Append {
            first_index: old,
            size: new,
            root,
            tiles: writes
                .into_iter()
                .map(|(place, data)| (place.path(), data))
                .collect(),
        }))
    }
}

/// What an append produced: tiles to write at their paths, then a checkpoint to sign.
#[derive(Debug)]
pub struct Append {
    pub first_index: u64,
    pub size: u64,
    pub root: TreeHash,
    pub tiles: Vec<(String, Vec<u8>)>,
}

impl HashReader for TreeHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        let mut hashes = Vec::with_capacity(indexes.len());
        let mut missing = false;
        for &index in indexes {
            if let Some(hash) = self.fresh.get(&index) {
                hashes.push(*hash);
                continue;
            }
            let needed = Tile::from_index(TILE_HEIGHT, index);
            let (level, number) = (needed.level(), needed.level_index());
            let width = width_at(level, number, self.size);
            if width < needed.width() {
                return Err(tlog_tiles::Error::IndexesNotInTree);
            }
            match self.tiles.get(&(level, number)) {
                Some(data) => {
                    let stored =
                        Tile::new(TILE_HEIGHT, level, number, (data.len() / 32) as u32, false);
                    hashes.push(stored.hash_at_index(data, index)?);
                }
                None => {
                    self.missing.borrow_mut().push(TileRef {
                        level,
                        number,
                        width,
                        entries: false,
                    });
                    missing = true;
                }
            }
        }
        if missing {
            return Err(tlog_tiles::Error::IndexesNotInTree);
        }
        Ok(hashes)
    }
}

fn encode_bundle(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 34);
    for entry in entries {
        out.extend_from_slice(&(entry.len() as u16).to_be_bytes());
        out.extend_from_slice(entry);
    }
    out
}

fn parse_bundle(mut data: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut entries = Vec::new();
    while !data.is_empty() {
        let (len, rest) = data.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        entries.push(rest.get(..len)?.to_vec());
        data = &rest[len..];
    }
    Some(entries)
}

/// Checks that `proof` shows the entry at `index` in the tree of `size` with `root`.
pub fn check_inclusion(
    proof: &[TreeHash],
    size: u64,
    root: &TreeHash,
    index: u64,
    entry: &[u8],
) -> Result<(), SealError> {
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| tlog_tiles::Hash(*h)).collect();
    tlog_tiles::check_record(
        &proof,
        size,
        tlog_tiles::Hash(*root),
        index,
        tlog_tiles::record_hash(entry),
    )
    .map_err(|_| SealError::Proof { what: "inclusion" })
}

/// Checks that `proof` shows the tree (`old_size`, `old_root`) is a prefix of
/// (`size`, `root`).
pub fn check_consistency(
    proof: &[TreeHash],
    size: u64,
    root: &TreeHash,
    old_size: u64,
    old_root: &TreeHash,
) -> Result<(), SealError> {
    if old_size == size {
        return if old_root == root {
            Ok(())
        } else {
            Err(SealError::Proof {
                what: "consistency",
            })
        };
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| tlog_tiles::Hash(*h)).collect();
    tlog_tiles::check_tree(
        &proof,
        size,
        tlog_tiles::Hash(*root),
        old_size,
        tlog_tiles::Hash(*old_root),
    )
    .map_err(|_| SealError::Proof {
        what: "consistency",
    })
}

/// A checkpoint whose signature was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub origin: String,
    pub size: u64,
    pub root: TreeHash,
}

/// Signs a C2SP checkpoint for the tree (`size`, `root`) of log `origin`.
pub fn sign_checkpoint(
    origin: &str,
    size: u64,
    root: &TreeHash,
    key: &StationKey,
) -> Result<Vec<u8>, SealError> {
    let checkpoint =
        Checkpoint::new(origin, size, tlog_tiles::Hash(*root), "").map_err(|_| SealError::Log {
            what: "checkpoint origin is not valid",
        })?;
    sign_note(&checkpoint.to_bytes(), key)
}

/// Signs a text as a C2SP signed note: the text, a blank line, and one signature line.
pub fn sign_note(text: &[u8], key: &StationKey) -> Result<Vec<u8>, SealError> {
    let signer =
        StandardSigner::new(&key.to_signer_string()).map_err(|_| SealError::KeyFormat {
            what: "signer",
            reason: "signed_note refused the key",
        })?;
    let mut note = Note::new(text, &[]).map_err(|_| SealError::Log {
        what: "the text is not a valid note",
    })?;
    note.add_sigs(&[&signer]).map_err(|_| SealError::Log {
        what: "cannot sign the note",
    })?;
    Ok(note.to_bytes())
}

/// Opens a signed checkpoint with the log's public key.
pub fn open_checkpoint(note: &[u8], key: &VerifierKey) -> Result<VerifiedCheckpoint, SealError> {
    let verifier = StandardVerifier::new(&key.to_string()).map_err(|_| SealError::KeyFormat {
        what: "verifier",
        reason: "signed_note refused the key",
    })?;
    let note = Note::from_bytes(note).map_err(|_| SealError::Log {
        what: "checkpoint is not a signed note",
    })?;
    note.verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|_| SealError::CheckpointSignature {
            key_id: key.id().clone(),
        })?;
    let checkpoint = Checkpoint::from_bytes(note.text()).map_err(|_| SealError::Log {
        what: "checkpoint text is malformed",
    })?;
    Ok(VerifiedCheckpoint {
        origin: checkpoint.origin().to_owned(),
        size: checkpoint.size(),
        root: checkpoint.hash().0,
    })
}

/// The keys (name and key id) that signed a checkpoint, before any is checked: what
/// to look up to verify it.
pub fn checkpoint_signers(note: &[u8]) -> Result<Vec<(String, fehrist_model::KeyId)>, SealError> {
    let malformed = SealError::Log {
        what: "checkpoint is not a signed note",
    };
    let text = std::str::from_utf8(note).map_err(|_| SealError::Log {
        what: "checkpoint is not UTF-8",
    })?;
    let (_, block) = text.rsplit_once("\n\n").ok_or(malformed)?;
    block
        .lines()
        .map(|line| {
            let signature = signed_note::Signature::from_bytes(line.as_bytes()).map_err(|_| {
                SealError::Log {
                    what: "checkpoint signature line is malformed",
                }
            })?;
            let id =
                fehrist_model::KeyId::from_bytes(&signature.id().to_be_bytes()).map_err(|_| {
                    SealError::Log {
                        what: "checkpoint key id",
                    }
                })?;
            Ok((signature.name().to_owned(), id))
        })
        .collect()
}

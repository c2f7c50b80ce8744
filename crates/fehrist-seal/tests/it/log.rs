//! The transparency log against RFC 6962 vectors, a reference Merkle tree, and every
//! inclusion and consistency proof over many tree sizes, all read back through tiles.

use std::collections::HashMap;

use fehrist_seal::StationKey;
use fehrist_seal::log::{
    Need, TileRef, TreeHash, TreeHashes, check_consistency, check_inclusion, leaf_hash,
    open_checkpoint, sign_checkpoint,
};
use sha2::{Digest as _, Sha256};

/// RFC 6962 §2.1, written out plainly as the reference.
fn reference_root(leaves: &[Vec<u8>]) -> TreeHash {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaf_hash(&leaves[0]),
        n => {
            let k = n.next_power_of_two() / 2;
            let mut hasher = Sha256::new();
            hasher.update([1u8]);
            hasher.update(reference_root(&leaves[..k]));
            hasher.update(reference_root(&leaves[k..]));
            hasher.finalize().into()
        }
    }
}

/// A log kept in a map of path → bytes, as the store keeps it.
#[derive(Default)]
struct Log {
    objects: HashMap<String, Vec<u8>>,
    size: u64,
}

impl Log {
    fn hashes(&self) -> TreeHashes {
        TreeHashes::new(self.size)
    }

    fn fill(&self, hashes: &mut TreeHashes, tiles: Vec<TileRef>) {
        for tile in tiles {
            let data = self
                .objects
                .get(&tile.path())
                .unwrap_or_else(|| panic!("{} was never written", tile.path()));
            hashes.add_tile(tile, data.clone()).unwrap();
        }
    }

    fn resolve<T>(&self, mut f: impl FnMut(&mut TreeHashes) -> Need<T>) -> T {
        let mut hashes = self.hashes();
        loop {
            match f(&mut hashes) {
                Need::Done(value) => return value,
                Need::Tiles(tiles) => self.fill(&mut hashes, tiles),
            }
        }
    }

    fn append(&mut self, entries: &[Vec<u8>]) -> TreeHash {
        let append = self.resolve(|h| h.append(entries).unwrap());
        assert_eq!(append.first_index, self.size);
        for (path, data) in append.tiles {
            self.objects.insert(path, data);
        }
        self.size = append.size;
        append.root
    }
}

fn hex(text: &str) -> TreeHash {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}

#[test]
fn rfc6962_test_vector_roots() {
    let leaves: Vec<Vec<u8>> = [
        &b""[..],
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    .iter()
    .map(|l| l.to_vec())
    .collect();
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let mut log = Log::default();
    for (leaf, root) in leaves.iter().zip(roots) {
        assert_eq!(log.append(std::slice::from_ref(leaf)), hex(root));
    }
    assert_eq!(reference_root(&leaves), hex(roots[7]));
    assert_eq!(
        Log::default().resolve(|h| h.root().unwrap()),
        hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
}

#[test]
fn every_proof_verifies_across_tile_boundaries() {
    let entries: Vec<Vec<u8>> = (0u32..600)
        .map(|i| Sha256::digest(i.to_be_bytes()).to_vec())
        .collect();
    let mut log = Log::default();
    let mut roots = vec![Log::default().resolve(|h| h.root().unwrap())];
    // Uneven batches, so partial tiles are written, widened and completed.
    let mut at = 0;
    for batch in [1, 2, 5, 100, 148, 1, 255, 3, 85].iter().cycle() {
        if at == entries.len() {
            break;
        }
        let end = (at + batch).min(entries.len());
        for size in at + 1..=end {
            // The root of every intermediate size, for consistency checks below.
            roots.push(reference_root(&entries[..size]));
        }
        let root = log.append(&entries[at..end]);
        assert_eq!(root, roots[end], "root at size {end}");
        at = end;
    }
    assert!(log.objects.contains_key("tile/0/000") && log.objects.contains_key("tile/0/002.p/88"));
    assert!(
        log.objects.contains_key("tile/entries/001") && log.objects.contains_key("tile/1/000.p/2")
    );

    let size = log.size;
    let root = roots[size as usize];
    for index in 0..size {
        let proof = log.resolve(|h| h.inclusion_proof(index).unwrap());
        check_inclusion(&proof, size, &root, index, &entries[index as usize]).unwrap();
        assert!(
            check_inclusion(
                &proof,
                size,
                &root,
                index,
                &entries[(index as usize + 1) % 600]
            )
            .is_err()
        );
        assert_eq!(log.resolve(|h| h.entry(index)), entries[index as usize]);
    }
    for old in (1..=size).step_by(7).chain([256, 257, 512, size]) {
        let proof = log.resolve(|h| h.consistency_proof(old).unwrap());
        check_consistency(&proof, size, &root, old, &roots[old as usize]).unwrap();
        assert!(
            check_consistency(&proof, size, &root, old, &roots[old as usize - 1]).is_err(),
            "old size {old}"
        );
    }
}

#[test]
fn an_append_that_stops_for_tiles_gives_the_same_result_when_asked_again() {
    let entries: Vec<Vec<u8>> = (0u32..700)
        .map(|i| Sha256::digest(i.to_be_bytes()).to_vec())
        .collect();
    let mut log = Log::default();
    log.append(&entries[..300]);
    // Ask with no tiles at all: every stop and retry must leave nothing behind.
    let mut hashes = log.hashes();
    let mut stops = 0;
    let append = loop {
        match hashes.append(&entries[300..]).unwrap() {
            Need::Done(append) => break append,
            Need::Tiles(tiles) => {
                stops += 1;
                log.fill(&mut hashes, tiles);
            }
        }
    };
    assert!(stops >= 2, "{stops}");
    assert_eq!(append.root, reference_root(&entries));
    let bundle = append
        .tiles
        .iter()
        .find(|(path, _)| path == "tile/entries/001")
        .unwrap();
    assert_eq!(bundle.1.len(), 256 * 34);
}

#[test]
fn a_flipped_byte_in_a_tile_changes_the_root() {
    let entries: Vec<Vec<u8>> = (0u32..300)
        .map(|i| Sha256::digest(i.to_be_bytes()).to_vec())
        .collect();
    let mut log = Log::default();
    let root = log.append(&entries);
    log.objects.get_mut("tile/0/001.p/44").unwrap()[5] ^= 1;
    assert_ne!(log.resolve(|h| h.root().unwrap()), root);
}

#[test]
fn tile_paths_follow_c2sp() {
    let tile = TileRef {
        level: 0,
        number: 1_234_067,
        width: 1,
        entries: false,
    };
    assert_eq!(tile.path(), "tile/0/x001/x234/067.p/1");
    assert_eq!(
        TileRef {
            entries: true,
            ..tile
        }
        .path(),
        "tile/entries/x001/x234/067.p/1"
    );
    assert_eq!(
        TileRef {
            level: 2,
            number: 5,
            width: 256,
            entries: false
        }
        .path(),
        "tile/2/005"
    );
}

#[test]
fn signed_note_spec_example_signature() {
    // The example of c2sp.org/signed-note and Go's golang.org/x/mod/sumdb/note: Ed25519 is
    // deterministic, so the same key over the same text gives exactly this line.
    let key = StationKey::from_signer_string(
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    )
    .unwrap();
    let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    let note = fehrist_seal::log::sign_note(text.as_bytes(), &key).unwrap();
    let expected = format!(
        "{text}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    );
    assert_eq!(String::from_utf8(note).unwrap(), expected);
}

#[test]
fn every_proof_of_every_small_tree() {
    let entries: Vec<Vec<u8>> = (0u32..70)
        .map(|i| Sha256::digest(i.to_le_bytes()).to_vec())
        .collect();
    let mut log = Log::default();
    let mut roots = vec![reference_root(&[])];
    for size in 1..=entries.len() {
        roots.push(log.append(&entries[size - 1..size]));
        assert_eq!(roots[size], reference_root(&entries[..size]));
        let n = size as u64;
        for index in 0..n {
            let proof = log.resolve(|h| h.inclusion_proof(index).unwrap());
            check_inclusion(&proof, n, &roots[size], index, &entries[index as usize]).unwrap();
        }
        for old in 1..=n {
            let proof = log.resolve(|h| h.consistency_proof(old).unwrap());
            check_consistency(&proof, n, &roots[size], old, &roots[old as usize]).unwrap();
        }
    }
}

#[test]
fn checkpoints_are_signed_notes() {
    let key = StationKey::from_seed("registry.example", [3; 32]).unwrap();
    let root = hex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    let note = sign_checkpoint("registry.example/log", 8, &root, &key).unwrap();
    let text = String::from_utf8(note.clone()).unwrap();
    assert!(text.starts_with("registry.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n— registry.example "), "{text}");
    assert_eq!(
        fehrist_seal::log::checkpoint_signers(&note).unwrap(),
        vec![("registry.example".to_owned(), key.id().clone())]
    );
    let opened = open_checkpoint(&note, &key.verifier()).unwrap();
    assert_eq!(
        (opened.origin.as_str(), opened.size, opened.root),
        ("registry.example/log", 8, root)
    );
    let mut altered = note.clone();
    altered[22] = b'9';
    assert!(open_checkpoint(&altered, &key.verifier()).is_err());
    let other = StationKey::from_seed("registry.example", [4; 32]).unwrap();
    assert!(open_checkpoint(&note, &other.verifier()).is_err());
}

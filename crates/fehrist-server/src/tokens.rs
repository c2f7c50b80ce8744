//! Making, listing, revoking and checking API tokens. The store keeps each token's
//! SHA-256 (`tokens/<id>.json`) and a revocation beside it (`tokens/<id>.revoked`);
//! the token string itself exists only in the answer to `create`.

use base64::Engine as _;
use bytes::Bytes;
use fehrist_model::{AccessLevel, ApiToken, Role, TOKEN_VERSION};
use fehrist_seal::{canonical_json, sha256};
use fehrist_store::{Store, Written};

use crate::ServerError;

/// A new token for an agency; returns the token string (shown once) and its record.
pub async fn create_token(
    store: &Store,
    agency: &str,
    role: Role,
    clearance: AccessLevel,
    now: &str,
) -> Result<(String, ApiToken), ServerError> {
    let mut random = [0u8; 36];
    getrandom::fill(&mut random).map_err(|e| ServerError::Random(e.to_string()))?;
    let id = hex(&random[..4]);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&random[4..]);
    let token = format!("fehrist_{id}_{secret}");
    let record = ApiToken {
        token_version: TOKEN_VERSION,
        id: id.clone(),
        agency: agency.to_owned(),
        role,
        clearance,
        sha256: sha256(token.as_bytes()),
        created_at: now.to_owned(),
    };
    let bytes = canonical_json("token", &record)?;
    match store.put_token(&id, Bytes::from(bytes)).await? {
        Written::New => Ok((token, record)),
        // Four random bytes met an existing id: astronomically rare, never reused.
        Written::AlreadyThere => Err(ServerError::Random("token id already taken".to_owned())),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every token record with whether it is revoked, oldest first.
pub async fn list_tokens(store: &Store) -> Result<Vec<(ApiToken, bool)>, ServerError> {
    let mut tokens = Vec::new();
    for bytes in store.list_tokens().await? {
        let token: ApiToken = serde_json::from_slice(&bytes)?;
        let revoked = store.is_token_revoked(&token.id).await?;
        tokens.push((token, revoked));
    }
    tokens.sort_by(|a, b| {
        a.0.created_at
            .cmp(&b.0.created_at)
            .then(a.0.id.cmp(&b.0.id))
    });
    Ok(tokens)
}

/// Revokes a token by id; `false` when there is no such token.
pub async fn revoke_token(store: &Store, id: &str, now: &str) -> Result<bool, ServerError> {
    if store.get_token(id).await?.is_none() {
        return Ok(false);
    }
    let note = serde_json::json!({"revoked_at": now});
    store
        .revoke_token(id, Bytes::from(note.to_string()))
        .await?;
    Ok(true)
}

/// The token a bearer string is, if it is a live one.
pub async fn check_token(store: &Store, bearer: &str) -> Result<Option<ApiToken>, ServerError> {
    let Some(id) = ApiToken::id_of(bearer) else {
        return Ok(None);
    };
    let Some(bytes) = store.get_token(id).await? else {
        return Ok(None);
    };
    let token: ApiToken = serde_json::from_slice(&bytes)?;
    // Digests compared whole; the id alone proves nothing.
    let presented = sha256(bearer.as_bytes());
    let same = presented
        .as_str()
        .bytes()
        .zip(token.sha256.as_str().bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0;
    if !same || store.is_token_revoked(id).await? {
        return Ok(None);
    }
    Ok(Some(token))
}

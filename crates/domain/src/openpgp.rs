//! OpenPGP for the CSAF provider feed (CSAF 2.0 section 7.1.19/7.1.20):
//! a version 4 EdDSA (Ed25519, "EdDSALegacy", algorithm 22) signing key
//! built from a 32-byte Ed25519 secret and a fixed creation time, its
//! transferable public key (key packet, user id, positive self
//! certification), detached binary signatures (type 0x00, SHA-256), ASCII
//! armor with its CRC-24, and the verification of such signatures against
//! a published key (RFC 4880 / RFC 9580 sections 3.2, 4, 5.2, 5.5, 6).
//!
//! Only this profile is read: a v4 Ed25519 key and v4 signatures with
//! SHA-256 or SHA-512; anything else is refused with its reason, never
//! accepted. The cryptography is `ed25519-dalek`'s; this module only frames
//! it. GnuPG checks the output in the integration tests (an independent
//! implementation), and the unit tests below check the framing bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// Why a key or signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PgpError {
    #[error("not ASCII-armored OpenPGP data ({0})")]
    Armor(String),
    #[error("the armor checksum does not match its data")]
    ArmorChecksum,
    #[error("malformed OpenPGP packet: {0}")]
    Packet(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("the signature was made by key {signer}, not by the published key {key}")]
    WrongKey { signer: String, key: String },
    #[error("the signature does not match the data (BAD signature)")]
    BadSignature,
}

/// The Ed25519 curve's OID as OpenPGP writes it (1.3.6.1.4.1.11591.15.1).
const ED25519_OID: [u8; 9] = [0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01];
/// Public-key algorithm 22: EdDSALegacy.
const ALGO_EDDSA: u8 = 22;
const HASH_SHA256: u8 = 8;
const HASH_SHA512: u8 = 10;
const TAG_SIGNATURE: u8 = 2;
const TAG_PUBLIC_KEY: u8 = 6;
const TAG_USER_ID: u8 = 13;

/// The server's signing key.
pub struct PgpSigner {
    key: SigningKey,
    created: u32,
    user_id: String,
}

/// A published public key: what signatures are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgpPublicKey {
    key: [u8; 32],
    fingerprint: [u8; 20],
}

impl PgpPublicKey {
    /// The v4 fingerprint, 40 upper-case hex digits (as in CSAF's
    /// `public_openpgp_keys[].fingerprint`).
    pub fn fingerprint(&self) -> String {
        hex::encode_upper(self.fingerprint)
    }

    /// Reads an ASCII-armored (or binary) transferable public key: its
    /// first packet must be a v4 Ed25519 public key.
    pub fn parse(data: &[u8]) -> Result<Self, PgpError> {
        let bytes = dearmor_or_binary(data, "PUBLIC KEY BLOCK")?;
        let packets = packets(&bytes)?;
        let (tag, body) = packets
            .first()
            .ok_or_else(|| PgpError::Packet("no packets".into()))?;
        if *tag != TAG_PUBLIC_KEY {
            return Err(PgpError::Packet(format!(
                "the first packet is of type {tag}, not a public key (6)"
            )));
        }
        parse_key_body(body)
    }

    /// Checks a detached signature (armored or binary) over `data`: made
    /// by this key (issuer fingerprint or key id), the hash's first bytes,
    /// and the Ed25519 signature itself.
    pub fn verify(&self, data: &[u8], signature: &[u8]) -> Result<(), PgpError> {
        let bytes = dearmor_or_binary(signature, "SIGNATURE")?;
        let packets = packets(&bytes)?;
        let (tag, body) = packets
            .first()
            .ok_or_else(|| PgpError::Packet("no packets".into()))?;
        if *tag != TAG_SIGNATURE {
            return Err(PgpError::Packet(format!(
                "packet of type {tag}, not a signature (2)"
            )));
        }
        let sig = parse_signature(body)?;
        if sig.sig_type != 0x00 && sig.sig_type != 0x01 {
            return Err(PgpError::Unsupported(format!(
                "signature type 0x{:02x} (a document signature is 0x00 or 0x01)",
                sig.sig_type
            )));
        }
        let key_id = &self.fingerprint[12..];
        match (&sig.issuer_fpr, &sig.issuer_id) {
            (Some(f), _) if f != &self.fingerprint => {
                return Err(PgpError::WrongKey {
                    signer: hex::encode_upper(f),
                    key: self.fingerprint(),
                });
            }
            (None, Some(id)) if id.as_slice() != key_id => {
                return Err(PgpError::WrongKey {
                    signer: hex::encode_upper(id),
                    key: self.fingerprint(),
                });
            }
            _ => {}
        }
        let digest = match sig.hash_algo {
            HASH_SHA256 => Sha256::new()
                .chain_update(data)
                .chain_update(&sig.hashed)
                .chain_update(trailer(sig.hashed.len()))
                .finalize()
                .to_vec(),
            HASH_SHA512 => Sha512::new()
                .chain_update(data)
                .chain_update(&sig.hashed)
                .chain_update(trailer(sig.hashed.len()))
                .finalize()
                .to_vec(),
            other => {
                return Err(PgpError::Unsupported(format!(
                    "hash algorithm {other} (SHA-256 is 8, SHA-512 is 10)"
                )));
            }
        };
        if digest.get(..2) != Some(&sig.left16[..]) {
            return Err(PgpError::BadSignature);
        }
        let key = VerifyingKey::from_bytes(&self.key)
            .map_err(|_| PgpError::Packet("the public key is not an Ed25519 point".into()))?;
        let signature = Signature::from_bytes(&sig.rs);
        key.verify_strict(&digest, &signature)
            .map_err(|_| PgpError::BadSignature)
    }
}

impl PgpSigner {
    /// The key of `secret` created at `created` (Unix seconds; it is part
    /// of the fingerprint, so it must be kept with the secret).
    pub fn new(secret: [u8; 32], created: u32, user_id: &str) -> Self {
        Self {
            key: SigningKey::from_bytes(&secret),
            created,
            user_id: user_id.to_owned(),
        }
    }

    /// The key's creation time (Unix seconds).
    pub fn created(&self) -> u32 {
        self.created
    }

    fn key_body(&self) -> Vec<u8> {
        let mut b = vec![4];
        b.extend_from_slice(&self.created.to_be_bytes());
        b.push(ALGO_EDDSA);
        b.push(ED25519_OID.len() as u8);
        b.extend_from_slice(&ED25519_OID);
        // MPI of 0x40 || the 32-byte point: 263 bits.
        b.extend_from_slice(&263u16.to_be_bytes());
        b.push(0x40);
        b.extend_from_slice(self.key.verifying_key().as_bytes());
        b
    }

    /// The public key.
    pub fn public(&self) -> PgpPublicKey {
        PgpPublicKey {
            key: self.key.verifying_key().to_bytes(),
            fingerprint: fingerprint(&self.key_body()),
        }
    }

    /// The transferable public key, ASCII-armored: key packet, user id
    /// and a positive certification (key flags: certify and sign).
    pub fn public_key_armored(&self) -> String {
        let body = self.key_body();
        let fpr = fingerprint(&body);
        let mut hashed = Vec::new();
        subpacket(&mut hashed, 2, &self.created.to_be_bytes());
        subpacket(&mut hashed, 27, &[0x03]);
        subpacket(&mut hashed, 21, &[HASH_SHA256, HASH_SHA512]);
        let mut issuer_fpr = vec![4];
        issuer_fpr.extend_from_slice(&fpr);
        subpacket(&mut hashed, 33, &issuer_fpr);
        let uid = self.user_id.as_bytes();
        let mut prefix = vec![0x99];
        prefix.extend_from_slice(&(body.len() as u16).to_be_bytes());
        prefix.extend_from_slice(&body);
        prefix.push(0xB4);
        prefix.extend_from_slice(&(uid.len() as u32).to_be_bytes());
        prefix.extend_from_slice(uid);
        let sig = self.signature_packet(0x13, &prefix, &hashed, &fpr);
        let mut out = packet(TAG_PUBLIC_KEY, &body);
        out.extend(packet(TAG_USER_ID, uid));
        out.extend(sig);
        armor("PUBLIC KEY BLOCK", &out)
    }

    /// A detached binary signature over `data`, made at `at` (Unix
    /// seconds), ASCII-armored (the `.asc` file of CSAF 7.1.19).
    pub fn sign_detached(&self, data: &[u8], at: u32) -> String {
        let fpr = fingerprint(&self.key_body());
        let mut hashed = Vec::new();
        subpacket(&mut hashed, 2, &at.to_be_bytes());
        let mut issuer_fpr = vec![4];
        issuer_fpr.extend_from_slice(&fpr);
        subpacket(&mut hashed, 33, &issuer_fpr);
        armor(
            "SIGNATURE",
            &self.signature_packet(0x00, data, &hashed, &fpr),
        )
    }

    /// A v4 signature packet of `sig_type` over `prefix` (the signed data
    /// or the key and user id) with `hashed` subpackets.
    fn signature_packet(
        &self,
        sig_type: u8,
        prefix: &[u8],
        hashed: &[u8],
        fpr: &[u8; 20],
    ) -> Vec<u8> {
        let mut head = vec![4, sig_type, ALGO_EDDSA, HASH_SHA256];
        head.extend_from_slice(&(hashed.len() as u16).to_be_bytes());
        head.extend_from_slice(hashed);
        let digest = Sha256::new()
            .chain_update(prefix)
            .chain_update(&head)
            .chain_update(trailer(head.len()))
            .finalize();
        let sig = self.key.sign(&digest).to_bytes();
        let mut unhashed = Vec::new();
        subpacket(&mut unhashed, 16, &fpr[12..]);
        let mut body = head;
        body.extend_from_slice(&(unhashed.len() as u16).to_be_bytes());
        body.extend_from_slice(&unhashed);
        body.extend_from_slice(&digest[..2]);
        mpi(&mut body, &sig[..32]);
        mpi(&mut body, &sig[32..]);
        packet(TAG_SIGNATURE, &body)
    }
}

/// The v4 trailer: version, 0xFF and the length of the hashed part.
fn trailer(hashed_part_len: usize) -> [u8; 6] {
    let n = (hashed_part_len as u32).to_be_bytes();
    [4, 0xFF, n[0], n[1], n[2], n[3]]
}

fn fingerprint(key_body: &[u8]) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update([0x99]);
    h.update((key_body.len() as u16).to_be_bytes());
    h.update(key_body);
    h.finalize().into()
}

fn subpacket(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    // Every subpacket written here is short (under 192 bytes).
    out.push((data.len() + 1) as u8);
    out.push(kind);
    out.extend_from_slice(data);
}

fn mpi(out: &mut Vec<u8>, value: &[u8]) {
    let start = value.iter().position(|b| *b != 0).unwrap_or(value.len());
    let v = &value[start..];
    let bits = v
        .first()
        .map_or(0, |b| (v.len() - 1) * 8 + (8 - b.leading_zeros() as usize));
    out.extend_from_slice(&(bits as u16).to_be_bytes());
    out.extend_from_slice(v);
}

/// A new-format packet.
fn packet(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0xC0 | tag];
    let n = body.len();
    if n < 192 {
        out.push(n as u8);
    } else if n < 8384 {
        let m = n - 192;
        out.push(((m >> 8) + 192) as u8);
        out.push((m & 0xFF) as u8);
    } else {
        out.push(0xFF);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(body);
    out
}

/// CRC-24 of RFC 4880 section 6.1.
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for b in data {
        crc ^= u32::from(*b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

fn armor(kind: &str, data: &[u8]) -> String {
    let text = STANDARD.encode(data);
    let mut out = format!("-----BEGIN PGP {kind}-----\n\n");
    for chunk in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    let crc = crc24(data).to_be_bytes();
    out.push('=');
    out.push_str(&STANDARD.encode(&crc[1..]));
    out.push_str(&format!("\n-----END PGP {kind}-----\n"));
    out
}

/// Binary data as is; armored data of `kind` decoded, its checksum checked.
fn dearmor_or_binary(data: &[u8], kind: &str) -> Result<Vec<u8>, PgpError> {
    if data.first().is_some_and(|b| b & 0x80 != 0) {
        return Ok(data.to_vec());
    }
    let text = std::str::from_utf8(data).map_err(|_| PgpError::Armor("not UTF-8".into()))?;
    let begin = format!("-----BEGIN PGP {kind}-----");
    let end = format!("-----END PGP {kind}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| PgpError::Armor(format!("no `{begin}` line")))?;
    let rest = &text[start + begin.len()..];
    let stop = rest
        .find(&end)
        .ok_or_else(|| PgpError::Armor(format!("no `{end}` line")))?;
    let mut lines = rest[..stop].lines().map(str::trim);
    // Armor headers ("Key: value") end at the first blank line.
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if !line.contains(": ") {
            return Err(PgpError::Armor(
                "no blank line after the armor headers".into(),
            ));
        }
    }
    let mut body = String::new();
    let mut checksum = None;
    for line in lines {
        if let Some(c) = line.strip_prefix('=') {
            checksum = Some(c.to_owned());
        } else {
            body.push_str(line);
        }
    }
    let bytes = STANDARD
        .decode(body.as_bytes())
        .map_err(|e| PgpError::Armor(format!("bad base64: {e}")))?;
    if let Some(c) = checksum {
        let want = STANDARD
            .decode(c.as_bytes())
            .map_err(|_| PgpError::ArmorChecksum)?;
        if want.as_slice() != &crc24(&bytes).to_be_bytes()[1..] {
            return Err(PgpError::ArmorChecksum);
        }
    }
    Ok(bytes)
}

/// Splits a packet sequence into (tag, body); old and new formats,
/// without partial lengths.
fn packets(data: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, PgpError> {
    let short = || PgpError::Packet("truncated".into());
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let h = data[i];
        i += 1;
        if h & 0x80 == 0 {
            return Err(PgpError::Packet(format!("bad packet header 0x{h:02x}")));
        }
        let (tag, len) = if h & 0x40 != 0 {
            let first = *data.get(i).ok_or_else(short)? as usize;
            i += 1;
            let len = match first {
                0..=191 => first,
                192..=223 => {
                    let second = *data.get(i).ok_or_else(short)? as usize;
                    i += 1;
                    ((first - 192) << 8) + second + 192
                }
                255 => {
                    let b = data.get(i..i + 4).ok_or_else(short)?;
                    i += 4;
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
                }
                _ => return Err(PgpError::Unsupported("partial body lengths".into())),
            };
            (h & 0x3F, len)
        } else {
            let tag = (h >> 2) & 0x0F;
            let len = match h & 0x03 {
                0 => {
                    let b = *data.get(i).ok_or_else(short)? as usize;
                    i += 1;
                    b
                }
                1 => {
                    let b = data.get(i..i + 2).ok_or_else(short)?;
                    i += 2;
                    usize::from(u16::from_be_bytes([b[0], b[1]]))
                }
                2 => {
                    let b = data.get(i..i + 4).ok_or_else(short)?;
                    i += 4;
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
                }
                _ => return Err(PgpError::Unsupported("indeterminate packet length".into())),
            };
            (tag, len)
        };
        let body = data.get(i..i + len).ok_or_else(short)?;
        out.push((tag, body.to_vec()));
        i += len;
    }
    Ok(out)
}

fn parse_key_body(body: &[u8]) -> Result<PgpPublicKey, PgpError> {
    let short = || PgpError::Packet("public key packet truncated".into());
    if body.first() != Some(&4) {
        return Err(PgpError::Unsupported(format!(
            "public key version {} (only 4 is read)",
            body.first().copied().unwrap_or(0)
        )));
    }
    let algo = *body.get(5).ok_or_else(short)?;
    if algo != ALGO_EDDSA {
        return Err(PgpError::Unsupported(format!(
            "public key algorithm {algo} (only EdDSA, 22, is read)"
        )));
    }
    let oid_len = *body.get(6).ok_or_else(short)? as usize;
    let oid = body.get(7..7 + oid_len).ok_or_else(short)?;
    if oid != ED25519_OID {
        return Err(PgpError::Unsupported(
            "an EdDSA curve other than Ed25519".into(),
        ));
    }
    let rest = body.get(7 + oid_len..).ok_or_else(short)?;
    // MPI: 2 bytes of bit count, then 0x40 and the 32-byte point.
    let point = rest.get(2..35).ok_or_else(short)?;
    if point[0] != 0x40 || rest.len() != 35 {
        return Err(PgpError::Packet(
            "Ed25519 point not in native (0x40) form".into(),
        ));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&point[1..]);
    Ok(PgpPublicKey {
        key,
        fingerprint: fingerprint(body),
    })
}

struct ParsedSignature {
    sig_type: u8,
    hash_algo: u8,
    /// Version through the hashed subpackets: what the hash covers.
    hashed: Vec<u8>,
    left16: [u8; 2],
    rs: [u8; 64],
    issuer_fpr: Option<[u8; 20]>,
    issuer_id: Option<Vec<u8>>,
}

fn parse_signature(body: &[u8]) -> Result<ParsedSignature, PgpError> {
    let short = || PgpError::Packet("signature packet truncated".into());
    if body.first() != Some(&4) {
        return Err(PgpError::Unsupported(format!(
            "signature version {} (only 4 is read)",
            body.first().copied().unwrap_or(0)
        )));
    }
    let head = body.get(..6).ok_or_else(short)?;
    let (sig_type, algo, hash_algo) = (head[1], head[2], head[3]);
    if algo != ALGO_EDDSA {
        return Err(PgpError::Unsupported(format!(
            "signature algorithm {algo} (only EdDSA, 22, is read)"
        )));
    }
    let hashed_len = usize::from(u16::from_be_bytes([head[4], head[5]]));
    let hashed_end = 6 + hashed_len;
    let hashed = body.get(..hashed_end).ok_or_else(short)?.to_vec();
    let ul = body.get(hashed_end..hashed_end + 2).ok_or_else(short)?;
    let unhashed_len = usize::from(u16::from_be_bytes([ul[0], ul[1]]));
    let unhashed = body
        .get(hashed_end + 2..hashed_end + 2 + unhashed_len)
        .ok_or_else(short)?;
    let mut i = hashed_end + 2 + unhashed_len;
    let left = body.get(i..i + 2).ok_or_else(short)?;
    let left16 = [left[0], left[1]];
    i += 2;
    let mut rs = [0u8; 64];
    for half in 0..2 {
        let bl = body.get(i..i + 2).ok_or_else(short)?;
        let bits = usize::from(u16::from_be_bytes([bl[0], bl[1]]));
        let n = bits.div_ceil(8);
        if n > 32 {
            return Err(PgpError::Packet(
                "EdDSA signature value over 32 bytes".into(),
            ));
        }
        let v = body.get(i + 2..i + 2 + n).ok_or_else(short)?;
        rs[half * 32 + 32 - n..half * 32 + 32].copy_from_slice(v);
        i += 2 + n;
    }
    let mut issuer_fpr = None;
    let mut issuer_id = None;
    for area in [&hashed[6..], unhashed] {
        for (kind, data) in subpackets(area)? {
            match kind & 0x7F {
                33 if data.len() == 21 && data[0] == 4 => {
                    let mut f = [0u8; 20];
                    f.copy_from_slice(&data[1..]);
                    issuer_fpr = Some(f);
                }
                16 if data.len() == 8 => issuer_id = Some(data.to_vec()),
                _ => {}
            }
        }
    }
    Ok(ParsedSignature {
        sig_type,
        hash_algo,
        hashed,
        left16,
        rs,
        issuer_fpr,
        issuer_id,
    })
}

fn subpackets(mut area: &[u8]) -> Result<Vec<(u8, &[u8])>, PgpError> {
    let short = || PgpError::Packet("signature subpacket truncated".into());
    let mut out = Vec::new();
    while let Some(&first) = area.first() {
        let (len, skip) = match first {
            0..=191 => (usize::from(first), 1),
            192..=254 => {
                let second = *area.get(1).ok_or_else(short)?;
                (
                    ((usize::from(first) - 192) << 8) + usize::from(second) + 192,
                    2,
                )
            }
            255 => {
                let b = area.get(1..5).ok_or_else(short)?;
                (u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize, 5)
            }
        };
        let sp = area.get(skip..skip + len).ok_or_else(short)?;
        let (kind, data) = sp.split_first().ok_or_else(short)?;
        out.push((*kind, data));
        area = &area[skip + len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> PgpSigner {
        PgpSigner::new([7u8; 32], 1_767_225_600, "Clearinghouse CSAF provider")
    }

    #[test]
    fn crc24_matches_the_rfc_initial_value_and_a_known_digest() {
        assert_eq!(crc24(b""), 0x00B7_04CE);
        // "123456789" under OpenPGP's CRC-24 is 0x21CF02 (the CRC catalogue).
        assert_eq!(crc24(b"123456789"), 0x0021_CF02);
    }

    #[test]
    fn a_signature_verifies_against_the_published_key() {
        let s = signer();
        let key = PgpPublicKey::parse(s.public_key_armored().as_bytes()).unwrap();
        assert_eq!(key, s.public());
        assert_eq!(key.fingerprint().len(), 40);
        let sig = s.sign_detached(b"{\"document\":{}}", 1_767_225_700);
        assert!(sig.starts_with("-----BEGIN PGP SIGNATURE-----\n\n"));
        key.verify(b"{\"document\":{}}", sig.as_bytes()).unwrap();
        assert_eq!(
            key.verify(b"{\"document\":{ }}", sig.as_bytes()),
            Err(PgpError::BadSignature)
        );
    }

    #[test]
    fn another_key_or_a_damaged_signature_is_refused() {
        let s = signer();
        let other = PgpSigner::new([8u8; 32], 1_767_225_600, "x").public();
        let sig = s.sign_detached(b"data", 1_767_225_700);
        assert!(matches!(
            other.verify(b"data", sig.as_bytes()),
            Err(PgpError::WrongKey { .. })
        ));
        // Flip one base64 character of the body: the checksum catches it.
        let mut bad = sig.clone().into_bytes();
        let at = sig.find("\n\n").unwrap() + 10;
        bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
        assert!(s.public().verify(b"data", &bad).is_err());
        // The same flip without the checksum line: the signature catches it.
        let unchecked: String = String::from_utf8(bad)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('='))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(s.public().verify(b"data", unchecked.as_bytes()).is_err());
        assert!(matches!(
            s.public().verify(b"data", b"not a signature"),
            Err(PgpError::Armor(_))
        ));
    }

    #[test]
    fn the_key_packet_has_the_v4_eddsa_layout() {
        let s = signer();
        let body = s.key_body();
        assert_eq!(body.len(), 51);
        assert_eq!(&body[..6], &[4, 0x69, 0x55, 0xB9, 0x00, 22]);
        assert_eq!(
            &body[6..16],
            &[9, 0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01]
        );
        assert_eq!(&body[16..19], &[0x01, 0x07, 0x40]);
        // Fingerprint = SHA-1(0x99 || len || body).
        let mut h = Sha1::new();
        h.update([0x99, 0, 51]);
        h.update(&body);
        assert_eq!(s.public().fingerprint(), hex::encode_upper(h.finalize()));
    }

    #[test]
    fn mpis_strip_leading_zeros() {
        let mut out = Vec::new();
        mpi(&mut out, &[0, 0, 0x01, 0xFF]);
        assert_eq!(out, vec![0, 9, 0x01, 0xFF]);
        let mut out = Vec::new();
        mpi(&mut out, &[0x80]);
        assert_eq!(out, vec![0, 8, 0x80]);
    }

    #[test]
    fn long_packets_use_two_and_five_byte_lengths() {
        for n in [0usize, 191, 192, 8383, 8384, 70_000] {
            let p = packet(TAG_USER_ID, &vec![b'x'; n]);
            let parsed = packets(&p).unwrap();
            assert_eq!(parsed, vec![(TAG_USER_ID, vec![b'x'; n])]);
        }
    }
}

//! A minimal DNS client for one question: the TXT records of a name, over
//! UDP to the first `nameserver` of `/etc/resolv.conf` (RFC 1035 message
//! format; a truncated answer is refused rather than retried over TCP,
//! which proof records never need). No resolver crate is in the graph and
//! this is the only lookup the clearinghouse makes.

use std::time::Duration;

fn nameserver() -> Result<std::net::SocketAddr, String> {
    let conf = std::fs::read_to_string("/etc/resolv.conf")
        .map_err(|e| format!("reading /etc/resolv.conf: {e}"))?;
    conf.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .map(|ip| std::net::SocketAddr::new(ip, 53))
        .next()
        .ok_or_else(|| "no nameserver in /etc/resolv.conf".to_owned())
}

fn query(id: u16, name: &str) -> Result<Vec<u8>, String> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        let len = u8::try_from(label.len()).map_err(|_| format!("label too long in {name}"))?;
        if len == 0 || len > 63 {
            return Err(format!("bad label in {name}"));
        }
        q.push(len);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 16, 0, 1]);
    Ok(q)
}

/// Skips a (possibly compressed) name at `pos`; returns the position after it.
fn skip_name(msg: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = *msg.get(pos)?;
        if len & 0xc0 == 0xc0 {
            return Some(pos + 2);
        }
        if len == 0 {
            return Some(pos + 1);
        }
        pos += 1 + usize::from(len);
    }
}

fn u16_at(msg: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*msg.get(pos)?, *msg.get(pos + 1)?]))
}

fn parse(msg: &[u8], id: u16) -> Result<Vec<String>, String> {
    let bad = || "malformed DNS answer".to_owned();
    if u16_at(msg, 0).ok_or_else(bad)? != id {
        return Err("DNS answer to another question".into());
    }
    let flags = u16_at(msg, 2).ok_or_else(bad)?;
    if flags & 0x0200 != 0 {
        return Err("DNS answer truncated".into());
    }
    match flags & 0x000f {
        0 => {}
        3 => return Ok(Vec::new()),
        rc => return Err(format!("DNS error code {rc}")),
    }
    let qd = u16_at(msg, 4).ok_or_else(bad)?;
    let an = u16_at(msg, 6).ok_or_else(bad)?;
    let mut pos = 12;
    for _ in 0..qd {
        pos = skip_name(msg, pos).ok_or_else(bad)? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        pos = skip_name(msg, pos).ok_or_else(bad)?;
        let kind = u16_at(msg, pos).ok_or_else(bad)?;
        let len = usize::from(u16_at(msg, pos + 8).ok_or_else(bad)?);
        let data = msg.get(pos + 10..pos + 10 + len).ok_or_else(bad)?;
        pos += 10 + len;
        if kind != 16 {
            continue;
        }
        let mut text = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let n = usize::from(data[i]);
            text.extend_from_slice(data.get(i + 1..i + 1 + n).ok_or_else(bad)?);
            i += 1 + n;
        }
        out.push(String::from_utf8_lossy(&text).into_owned());
    }
    Ok(out)
}

/// The TXT records of `name` (none when it does not exist).
pub async fn txt(name: &str) -> Result<Vec<String>, String> {
    let server = nameserver()?;
    let r = crate::auth::secrets::random_bytes();
    let id = u16::from_be_bytes([r[0], r[1]]);
    let q = query(id, name)?;
    let bind = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let sock = tokio::net::UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("DNS socket: {e}"))?;
    sock.send_to(&q, server)
        .await
        .map_err(|e| format!("DNS query to {server}: {e}"))?;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), sock.recv(&mut buf))
        .await
        .map_err(|_| format!("no DNS answer from {server} in 5 s"))?
        .map_err(|e| format!("DNS answer: {e}"))?;
    parse(&buf[..n], id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_txt_answer_with_compression() {
        let mut msg = query(7, "_x.example.org").unwrap();
        msg[2] = 0x81;
        msg[3] = 0x80;
        msg[7] = 1;
        // answer: pointer to the question name, TXT, IN, TTL, two strings.
        msg.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 9, 3]);
        msg.extend_from_slice(b"abc");
        msg.push(4);
        msg.extend_from_slice(b"=tok");
        assert_eq!(parse(&msg, 7).unwrap(), vec!["abc=tok".to_owned()]);
        assert!(parse(&msg, 8).is_err());
        assert!(parse(&msg[..msg.len() - 2], 7).is_err());
    }
}

//! IPv4 and IPv6 CIDR blocks on the standard library's address types:
//! parsing (host bits must be zero, the message saying which block was
//! meant), containment and overlap, and a fixed-width text key per bound
//! so that the store can ask "which stored blocks touch this one" with an
//! index range scan (`lo <= $hi AND hi >= $lo`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ScanError;

/// A network block: an address with every host bit zero and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Reads `ADDRESS/PREFIX`, or a bare address as a single-address block.
    pub fn parse(field: &str, text: &str) -> Result<Cidr, ScanError> {
        let text = text.trim();
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text.parse().map_err(|_| {
            ScanError::new(
                field,
                format!("'{text}' is not an IPv4 or IPv6 address with an optional /prefix"),
            )
        })?;
        let max = max_prefix(addr);
        let prefix = match prefix_text {
            None => max,
            Some(p) => {
                let ok = !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
                match p.parse::<u8>() {
                    Ok(n) if ok && n <= max => n,
                    _ => {
                        return Err(ScanError::new(
                            field,
                            format!("'{text}': the prefix length must be 0 to {max}"),
                        ));
                    }
                }
            }
        };
        let cidr = Cidr::from_bits(addr, bits(addr), prefix);
        if cidr.addr != addr {
            return Err(ScanError::new(
                field,
                format!("'{text}' has host bits set: did you mean {cidr}?"),
            ));
        }
        Ok(cidr)
    }

    /// The block of `prefix` bits containing `addr` (host bits cleared).
    pub fn containing(addr: IpAddr, prefix: u8) -> Cidr {
        let prefix = prefix.min(max_prefix(addr));
        Cidr::from_bits(addr, bits(addr), prefix)
    }

    fn from_bits(like: IpAddr, value: u128, prefix: u8) -> Cidr {
        let width = u32::from(max_prefix(like));
        let host_bits = width - u32::from(prefix);
        let mask = if host_bits >= 128 {
            0
        } else {
            !0u128 << host_bits
        };
        let v = value & mask;
        let addr = match like {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(
                u32::try_from(v & u128::from(u32::MAX)).unwrap_or(0),
            )),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(v)),
        };
        Cidr { addr, prefix }
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// The first and last address as integers (IPv4 in the low 32 bits).
    pub fn range(&self) -> (u128, u128) {
        let start = bits(self.addr);
        let host_bits = u32::from(max_prefix(self.addr)) - u32::from(self.prefix);
        let span = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        (start, start | span)
    }

    /// Whether every address of `other` is in this block.
    pub fn contains(&self, other: &Cidr) -> bool {
        if self.is_ipv4() != other.is_ipv4() {
            return false;
        }
        let (a, b) = self.range();
        let (c, d) = other.range();
        a <= c && d <= b
    }

    /// Whether the address is in this block.
    pub fn contains_addr(&self, addr: IpAddr) -> bool {
        self.contains(&Cidr::containing(addr, max_prefix(addr)))
    }

    /// Whether the two blocks share an address (one then contains the other).
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// Fixed-width text of the first and last address, ordered like the
    /// addresses: `4:` + 8 hex digits or `6:` + 32, so IPv4 and IPv6
    /// never compare as overlapping.
    pub fn keys(&self) -> (String, String) {
        let (lo, hi) = self.range();
        if self.is_ipv4() {
            (format!("4:{lo:08x}"), format!("4:{hi:08x}"))
        } else {
            (format!("6:{lo:032x}"), format!("6:{hi:032x}"))
        }
    }

    /// The block of at most `prefix` bits around this one: what may be
    /// shown to someone who must not learn the exact block.
    pub fn generalised(&self, prefix: u8) -> Cidr {
        if prefix >= self.prefix {
            *self
        } else {
            Cidr::containing(self.addr, prefix)
        }
    }

    /// The two halves of this block (`None` for a single address).
    pub fn halves(&self) -> Option<(Cidr, Cidr)> {
        if self.prefix >= max_prefix(self.addr) {
            return None;
        }
        let p = self.prefix + 1;
        let (lo, hi) = self.range();
        Some((
            Cidr::from_bits(self.addr, lo, p),
            Cidr::from_bits(self.addr, hi, p),
        ))
    }

    /// The parts of this block that no cover holds: each cover is a block
    /// less its holes (a grant's exclusions), so an address is covered
    /// when some cover's block holds it and none of that cover's holes
    /// does. Answered as the fewest aligned blocks, in address order.
    pub fn uncovered(&self, covers: &[(Cidr, Vec<Cidr>)]) -> Vec<Cidr> {
        let mut out = Vec::new();
        self.uncovered_into(covers, &mut out);
        out
    }

    fn uncovered_into(&self, covers: &[(Cidr, Vec<Cidr>)], out: &mut Vec<Cidr>) {
        let mut partial = false;
        for (block, holes) in covers {
            if !block.overlaps(self) || holes.iter().any(|h| h.contains(self)) {
                continue;
            }
            if block.contains(self) && !holes.iter().any(|h| h.overlaps(self)) {
                return;
            }
            partial = true;
        }
        match self.halves() {
            Some((a, b)) if partial => {
                a.uncovered_into(covers, out);
                b.uncovered_into(covers, out);
            }
            _ => out.push(*self),
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

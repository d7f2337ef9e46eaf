//! The remediate rule language: which exposures a directive's remediate
//! action catches. Small on purpose, so a directive manager can read it and
//! an agency can predict it:
//!
//! ```text
//! rule  := or
//! or    := and ("or" and)*
//! and   := not ("and" not)*
//! not   := "not" not | atom
//! atom  := "(" rule ")" | "all" | "kev" | "ransomware"
//!        | "ssvc" ("=" | "!=") level | "ssvc" "in" "(" level ("," level)* ")"
//!        | ("cvss" | "epss") (">=" | ">" | "<=" | "<" | "=") number
//! level := "track" | "track*" | "attend" | "act"
//! ```
//!
//! `kev`: the vulnerability is in CISA's KEV catalog; `ransomware`: its KEV
//! entry says it is used in ransomware campaigns; `ssvc`: the exposure's CISA
//! coordinator decision; `cvss`: the vulnerability's best base score (0–10;
//! an exposure without one never compares true); `epss`: its EPSS
//! probability (0–1). Words are case-insensitive. Errors give the 1-based
//! character position and what was expected there. [`Rule`]'s `Display` is
//! the normal form, which parses back to the same rule.

use std::fmt;

use crate::ssvc::CisaLevel;

/// The longest rule text accepted.
pub const MAX_RULE_CHARS: usize = 1000;
/// The deepest nesting accepted (parentheses and `not`).
pub const MAX_DEPTH: usize = 32;

/// A parsed remediate rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    All,
    Kev,
    Ransomware,
    /// `ssvc in (...)` (one level for `ssvc = x`).
    SsvcIn(Vec<CisaLevel>),
    Cmp(Metric, Cmp, f64),
    Not(Box<Rule>),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
}

/// A numeric fact of an exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Cvss,
    Epss,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// What a rule looks at in one exposure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExposureFacts {
    pub in_kev: bool,
    pub kev_ransomware: bool,
    pub ssvc: Option<CisaLevel>,
    pub cvss: Option<f64>,
    pub epss: Option<f64>,
}

/// A rule that does not parse: where (1-based character) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at position {position}: {message}")]
pub struct RuleError {
    pub position: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
    Op(&'static str),
    End,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Num(n) => format!("'{n}'"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Op(o) => format!("'{o}'"),
        Tok::End => "the end of the rule".into(),
    }
}

fn err<T>(position: usize, message: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError {
        position,
        message: message.into(),
    })
}

/// Tokens with their 1-based character positions.
fn lex(text: &str) -> Result<Vec<(Tok, usize)>, RuleError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => out.push((Tok::LParen, pos)),
            ')' => out.push((Tok::RParen, pos)),
            ',' => out.push((Tok::Comma, pos)),
            '>' | '<' | '!' | '=' => {
                let two = chars.get(i + 1) == Some(&'=');
                let op = match (c, two) {
                    ('>', true) => ">=",
                    ('>', false) => ">",
                    ('<', true) => "<=",
                    ('<', false) => "<",
                    ('!', true) => "!=",
                    ('=', true) => "=",
                    ('=', false) => "=",
                    _ => return err(pos, "expected '!=' ('!' alone is not an operator)"),
                };
                if two {
                    i += 1;
                }
                out.push((Tok::Op(op), pos));
            }
            c if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                match s.parse::<f64>() {
                    Ok(n) if n.is_finite() => out.push((Tok::Num(n), pos)),
                    _ => return err(pos, format!("'{s}' is not a number")),
                }
                continue;
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                if chars.get(i) == Some(&'*') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                out.push((Tok::Word(s.to_ascii_lowercase()), pos));
                continue;
            }
            other => {
                return err(
                    pos,
                    format!("unexpected character '{}'", other.escape_default()),
                );
            }
        }
        i += 1;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &(Tok, usize) {
        &self.toks[self.at.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> (Tok, usize) {
        let t = self.peek().clone();
        if self.at < self.toks.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.peek().0, Tok::Word(x) if x == w)
    }

    fn deeper(&mut self, pos: usize) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(pos, format!("nested more than {MAX_DEPTH} deep"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Rule, RuleError> {
        let mut left = self.and()?;
        while self.is_word("or") {
            self.next();
            let right = self.and()?;
            left = Rule::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Rule, RuleError> {
        let mut left = self.not()?;
        while self.is_word("and") {
            self.next();
            let right = self.not()?;
            left = Rule::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Rule, RuleError> {
        if self.is_word("not") {
            let (_, pos) = self.next();
            self.deeper(pos)?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Rule::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn level(&mut self) -> Result<CisaLevel, RuleError> {
        let (t, pos) = self.next();
        match &t {
            Tok::Word(w) => match CisaLevel::parse(w) {
                Some(l) if w == l.table_value() => Ok(l),
                _ => err(
                    pos,
                    format!("unknown SSVC decision '{w}'; expected track, track*, attend or act"),
                ),
            },
            _ => err(
                pos,
                format!(
                    "expected an SSVC decision (track, track*, attend, act), found {}",
                    describe(&t)
                ),
            ),
        }
    }

    fn atom(&mut self) -> Result<Rule, RuleError> {
        let (t, pos) = self.next();
        match t {
            Tok::LParen => {
                self.deeper(pos)?;
                let inner = self.or()?;
                self.depth -= 1;
                let (close, cpos) = self.next();
                if close != Tok::RParen {
                    return err(cpos, format!("expected ')', found {}", describe(&close)));
                }
                Ok(inner)
            }
            Tok::Word(w) => match w.as_str() {
                "all" => Ok(Rule::All),
                "kev" => Ok(Rule::Kev),
                "ransomware" => Ok(Rule::Ransomware),
                "ssvc" => self.ssvc(),
                "cvss" => self.cmp(Metric::Cvss, 10.0),
                "epss" => self.cmp(Metric::Epss, 1.0),
                _ => err(
                    pos,
                    format!(
                        "unknown word '{w}'; expected all, kev, ransomware, ssvc, cvss, epss, not or '('"
                    ),
                ),
            },
            other => err(
                pos,
                format!(
                    "expected a condition (kev, ransomware, ssvc, cvss, epss, all, not or '('), found {}",
                    describe(&other)
                ),
            ),
        }
    }

    fn ssvc(&mut self) -> Result<Rule, RuleError> {
        let (t, pos) = self.next();
        match t {
            Tok::Op("=") => Ok(Rule::SsvcIn(vec![self.level()?])),
            Tok::Op("!=") => Ok(Rule::Not(Box::new(Rule::SsvcIn(vec![self.level()?])))),
            Tok::Word(w) if w == "in" => {
                let (open, opos) = self.next();
                if open != Tok::LParen {
                    return err(
                        opos,
                        format!("expected '(' after 'in', found {}", describe(&open)),
                    );
                }
                let mut levels = vec![self.level()?];
                loop {
                    let (t, p) = self.next();
                    match t {
                        Tok::Comma => {
                            let l = self.level()?;
                            if !levels.contains(&l) {
                                levels.push(l);
                            }
                        }
                        Tok::RParen => break,
                        other => {
                            return err(
                                p,
                                format!("expected ',' or ')', found {}", describe(&other)),
                            );
                        }
                    }
                }
                Ok(Rule::SsvcIn(levels))
            }
            other => err(
                pos,
                format!(
                    "expected '=', '!=' or 'in' after 'ssvc', found {}",
                    describe(&other)
                ),
            ),
        }
    }

    fn cmp(&mut self, metric: Metric, max: f64) -> Result<Rule, RuleError> {
        let (t, pos) = self.next();
        let op = match t {
            Tok::Op(">=") => Cmp::Ge,
            Tok::Op(">") => Cmp::Gt,
            Tok::Op("<=") => Cmp::Le,
            Tok::Op("<") => Cmp::Lt,
            Tok::Op("=") => Cmp::Eq,
            other => {
                return err(
                    pos,
                    format!("expected one of >=, >, <=, <, = found {}", describe(&other)),
                );
            }
        };
        let (t, pos) = self.next();
        match t {
            Tok::Num(n) if (0.0..=max).contains(&n) => Ok(Rule::Cmp(metric, op, n)),
            Tok::Num(n) => err(pos, format!("{n} is out of range 0 to {max}")),
            other => err(
                pos,
                format!("expected a number, found {}", describe(&other)),
            ),
        }
    }
}

impl Rule {
    /// Parses a rule; errors name the 1-based character position.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        if text.chars().count() > MAX_RULE_CHARS {
            return err(
                MAX_RULE_CHARS + 1,
                format!("a rule is at most {MAX_RULE_CHARS} characters"),
            );
        }
        let toks = lex(text)?;
        let mut p = Parser {
            toks,
            at: 0,
            depth: 0,
        };
        let rule = p.or()?;
        let (t, pos) = p.next();
        if t != Tok::End {
            return err(
                pos,
                format!("expected 'and', 'or' or the end, found {}", describe(&t)),
            );
        }
        Ok(rule)
    }

    /// Whether the rule catches an exposure with these facts.
    pub fn matches(&self, f: &ExposureFacts) -> bool {
        match self {
            Rule::All => true,
            Rule::Kev => f.in_kev,
            Rule::Ransomware => f.in_kev && f.kev_ransomware,
            Rule::SsvcIn(levels) => f.ssvc.is_some_and(|l| levels.contains(&l)),
            Rule::Cmp(metric, op, n) => {
                let value = match metric {
                    Metric::Cvss => f.cvss,
                    Metric::Epss => f.epss,
                };
                value.is_some_and(|v| match op {
                    Cmp::Ge => v >= *n,
                    Cmp::Gt => v > *n,
                    Cmp::Le => v <= *n,
                    Cmp::Lt => v < *n,
                    Cmp::Eq => v == *n,
                })
            }
            Rule::Not(r) => !r.matches(f),
            Rule::And(a, b) => a.matches(f) && b.matches(f),
            Rule::Or(a, b) => a.matches(f) || b.matches(f),
        }
    }

    /// Whether the rule needs a vulnerability in KEV (then only KEV rows
    /// need reading).
    pub fn requires_kev(&self) -> bool {
        match self {
            Rule::Kev | Rule::Ransomware => true,
            Rule::And(a, b) => a.requires_kev() || b.requires_kev(),
            Rule::Or(a, b) => a.requires_kev() && b.requires_kev(),
            _ => false,
        }
    }
}

fn prec(r: &Rule) -> u8 {
    match r {
        Rule::Or(..) => 1,
        Rule::And(..) => 2,
        _ => 3,
    }
}

fn write_sub(f: &mut fmt::Formatter<'_>, r: &Rule, min: u8) -> fmt::Result {
    if prec(r) < min {
        write!(f, "({r})")
    } else {
        write!(f, "{r}")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::All => f.write_str("all"),
            Rule::Kev => f.write_str("kev"),
            Rule::Ransomware => f.write_str("ransomware"),
            Rule::SsvcIn(levels) if levels.len() == 1 => {
                write!(f, "ssvc = {}", levels[0].table_value())
            }
            Rule::SsvcIn(levels) => {
                let names: Vec<&str> = levels.iter().map(|l| l.table_value()).collect();
                write!(f, "ssvc in ({})", names.join(", "))
            }
            Rule::Cmp(m, op, n) => {
                let m = match m {
                    Metric::Cvss => "cvss",
                    Metric::Epss => "epss",
                };
                let op = match op {
                    Cmp::Ge => ">=",
                    Cmp::Gt => ">",
                    Cmp::Le => "<=",
                    Cmp::Lt => "<",
                    Cmp::Eq => "=",
                };
                write!(f, "{m} {op} {n}")
            }
            Rule::Not(r) => {
                f.write_str("not ")?;
                write_sub(f, r, 3)
            }
            Rule::And(a, b) => {
                write_sub(f, a, 2)?;
                f.write_str(" and ")?;
                write_sub(f, b, 3)
            }
            Rule::Or(a, b) => {
                write_sub(f, a, 1)?;
                f.write_str(" or ")?;
                write_sub(f, b, 2)
            }
        }
    }
}

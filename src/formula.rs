//! Expressions of derived metrics and checks (SPEC §7): `+ - * /` (also
//! `×` and `÷`), parentheses, numbers and metric ids.
//!
//! `Expr::parse` builds the tree; `Expr::ids` lists the metrics it reads,
//! which the template loader checks for unknown ids and cycles;
//! `Expr::eval` computes it from canonical values.

use std::fmt;

/// The deepest nesting of parentheses accepted (keeps recursion bounded).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Metric(String),
    Neg(Box<Expr>),
    Binary(Box<Expr>, Op, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// Why an expression does not parse.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The value of an expression for one entity and week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Eval {
    Value(f64),
    /// An input is missing or not applicable.
    NoValue,
    /// Division by an input that is zero.
    DivisionByZero,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Ident(String),
    Op(Op),
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '+' | '-' | '−' | '*' | '×' | '/' | '÷' => {
                chars.next();
                tokens.push(Token::Op(match c {
                    '+' => Op::Add,
                    '-' | '−' => Op::Sub,
                    '*' | '×' => Op::Mul,
                    _ => Op::Div,
                }));
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            c if c.is_ascii_digit() || c == '.' => {
                let mut end = i;
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_digit() || d == '.' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let n: f64 = text[i..end]
                    .parse()
                    .map_err(|_| ParseError(format!("{} is not a number", &text[i..end])))?;
                tokens.push(Token::Number(n));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = i;
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Ident(text[i..end].to_string()));
            }
            other => return Err(ParseError(format!("unexpected character {other:?}"))),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn sum(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut left = self.product(depth)?;
        while let Some(Token::Op(op @ (Op::Add | Op::Sub))) = self.peek().cloned() {
            self.pos += 1;
            let right = self.product(depth)?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut left = self.unary(depth)?;
        while let Some(Token::Op(op @ (Op::Mul | Op::Div))) = self.peek().cloned() {
            self.pos += 1;
            let right = self.unary(depth)?;
            if op == Op::Div && right.constant() == Some(0.0) {
                return Err(ParseError("it divides by the constant 0".to_string()));
            }
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError(format!(
                "it nests deeper than {MAX_DEPTH} levels"
            )));
        }
        match self.next() {
            Some(Token::Number(n)) => Ok(Expr::Number(n)),
            Some(Token::Ident(id)) => Ok(Expr::Metric(id)),
            Some(Token::Op(Op::Sub)) => Ok(Expr::Neg(Box::new(self.unary(depth + 1)?))),
            Some(Token::Op(Op::Add)) => self.unary(depth + 1),
            Some(Token::Open) => {
                let inner = self.sum(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(ParseError("a parenthesis is not closed".to_string())),
                }
            }
            Some(Token::Close) => Err(ParseError("unexpected )".to_string())),
            Some(Token::Op(_)) => Err(ParseError("an operator has no left operand".to_string())),
            None => Err(ParseError(
                "it ends where a number or metric id is expected".to_string(),
            )),
        }
    }
}

impl Expr {
    /// Parses a whole expression.
    pub fn parse(text: &str) -> Result<Expr, ParseError> {
        let tokens = tokenize(text)?;
        if tokens.is_empty() {
            return Err(ParseError("it is empty".to_string()));
        }
        let mut p = Parser { tokens, pos: 0 };
        let expr = p.sum(0)?;
        match p.peek() {
            None => Ok(expr),
            Some(Token::Close) => Err(ParseError("unexpected )".to_string())),
            Some(_) => Err(ParseError(
                "an operator is missing between two operands".to_string(),
            )),
        }
    }

    fn constant(&self) -> Option<f64> {
        match self {
            Expr::Number(n) => Some(*n),
            Expr::Neg(e) => e.constant().map(|v| -v),
            _ => None,
        }
    }

    /// The metric ids the expression reads, in order of appearance.
    pub fn ids(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_ids(&mut out);
        out
    }

    fn collect_ids<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Number(_) => {}
            Expr::Metric(id) => out.push(id),
            Expr::Neg(e) => e.collect_ids(out),
            Expr::Binary(a, _, b) => {
                a.collect_ids(out);
                b.collect_ids(out);
            }
        }
    }

    /// Computes the expression; `value` gives a metric's canonical value.
    pub fn eval(&self, value: &dyn Fn(&str) -> Option<f64>) -> Eval {
        match self {
            Expr::Number(n) => Eval::Value(*n),
            Expr::Metric(id) => value(id).map_or(Eval::NoValue, Eval::Value),
            Expr::Neg(e) => match e.eval(value) {
                Eval::Value(v) => Eval::Value(-v),
                other => other,
            },
            Expr::Binary(a, op, b) => {
                let (x, y) = match (a.eval(value), b.eval(value)) {
                    (Eval::Value(x), Eval::Value(y)) => (x, y),
                    (Eval::NoValue, _) | (_, Eval::NoValue) => return Eval::NoValue,
                    _ => return Eval::DivisionByZero,
                };
                match op {
                    Op::Add => Eval::Value(x + y),
                    Op::Sub => Eval::Value(x - y),
                    Op::Mul => Eval::Value(x * y),
                    Op::Div if y == 0.0 => Eval::DivisionByZero,
                    Op::Div => Eval::Value(x / y),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Expr {
        match Expr::parse(text) {
            Ok(e) => e,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn parses_with_precedence_and_evaluates() {
        let e = parse("leads / sessions * 100");
        assert_eq!(e.ids(), vec!["leads", "sessions"]);
        let get = |id: &str| match id {
            "leads" => Some(50.0),
            "sessions" => Some(1000.0),
            _ => None,
        };
        assert_eq!(e.eval(&get), Eval::Value(5.0));
        assert_eq!(parse("1 + 2 × 3").eval(&get), Eval::Value(7.0));
        assert_eq!(parse("(1 + 2) ÷ -3").eval(&get), Eval::Value(-1.0));
    }

    #[test]
    fn missing_inputs_and_zero_divisors() {
        let e = parse("spend / customers");
        assert_eq!(e.eval(&|id| (id == "spend").then_some(10.0)), Eval::NoValue);
        assert_eq!(
            e.eval(&|id| Some(if id == "spend" { 10.0 } else { 0.0 })),
            Eval::DivisionByZero
        );
    }

    #[test]
    fn malformed_expressions_are_refused() {
        for bad in ["", "a +", "(a", "a b", "a / 0", "a $ b", ")", "* a"] {
            assert!(Expr::parse(bad).is_err(), "{bad}");
        }
        let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(Expr::parse(&deep).is_err());
    }
}

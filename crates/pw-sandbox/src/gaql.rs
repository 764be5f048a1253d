//! A small reader for the Google Ads Query Language: `SELECT fields FROM resource [WHERE a AND
//! b …] [ORDER BY f [ASC|DESC], …] [LIMIT n] [PARAMETERS …]`, with the operators connectors
//! use (=, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, LIKE, NOT LIKE, IS [NOT] NULL, DURING).

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum GaqlError {
    #[error("Error in query: unexpected input {0}.")]
    Unexpected(String),
    #[error("Error in query: unexpected end of query.")]
    UnexpectedEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    NotIn,
    Between,
    Like,
    NotLike,
    IsNull,
    IsNotNull,
    During,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub field: String,
    pub op: Op,
    /// Literal operands as written, quotes removed.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    pub fields: Vec<String>,
    pub resource: String,
    pub conditions: Vec<Condition>,
    pub order_by: Vec<(String, bool)>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Symbol(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Token>, GaqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '.' | '-'))
            {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else if c == '\'' || c == '"' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            if i >= chars.len() {
                return Err(GaqlError::UnexpectedEnd);
            }
            tokens.push(Token::Text(chars[start..i].iter().collect()));
            i += 1;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = match (two.as_str(), c) {
                ("!=", _) => "!=",
                (">=", _) => ">=",
                ("<=", _) => "<=",
                (_, '=') => "=",
                (_, '>') => ">",
                (_, '<') => "<",
                (_, ',') => ",",
                (_, '(') => "(",
                (_, ')') => ")",
                _ => return Err(GaqlError::Unexpected(c.to_string())),
            };
            i += symbol.len();
            tokens.push(Token::Symbol(symbol));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Result<Token, GaqlError> {
        let token = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or(GaqlError::UnexpectedEnd)?;
        self.at += 1;
        Ok(token)
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(word)) if word.eq_ignore_ascii_case(keyword))
    }

    fn keyword(&mut self, keyword: &str) -> Result<(), GaqlError> {
        match self.next()? {
            Token::Word(word) if word.eq_ignore_ascii_case(keyword) => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    fn symbol(&mut self, symbol: &str) -> Result<(), GaqlError> {
        match self.next()? {
            Token::Symbol(found) if found == symbol => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    fn word(&mut self) -> Result<String, GaqlError> {
        match self.next()? {
            Token::Word(word) => Ok(word),
            other => Err(unexpected(&other)),
        }
    }

    fn literal(&mut self) -> Result<String, GaqlError> {
        match self.next()? {
            Token::Word(word) | Token::Text(word) => Ok(word),
            other => Err(unexpected(&other)),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, GaqlError> {
        self.symbol("(")?;
        let mut values = vec![self.literal()?];
        loop {
            match self.next()? {
                Token::Symbol(",") => values.push(self.literal()?),
                Token::Symbol(")") => return Ok(values),
                other => return Err(unexpected(&other)),
            }
        }
    }

    fn condition(&mut self) -> Result<Condition, GaqlError> {
        let field = self.word()?;
        let (op, values) = match self.next()? {
            Token::Symbol(symbol) => {
                let op = match symbol {
                    "=" => Op::Eq,
                    "!=" => Op::Ne,
                    ">" => Op::Gt,
                    ">=" => Op::Ge,
                    "<" => Op::Lt,
                    _ => Op::Le,
                };
                (op, vec![self.literal()?])
            }
            Token::Word(word) => match word.to_ascii_uppercase().as_str() {
                "IN" => (Op::In, self.list()?),
                "BETWEEN" => {
                    let low = self.literal()?;
                    self.keyword("AND")?;
                    (Op::Between, vec![low, self.literal()?])
                }
                "LIKE" => (Op::Like, vec![self.literal()?]),
                "DURING" => (Op::During, vec![self.word()?]),
                "NOT" => match self.word()?.to_ascii_uppercase().as_str() {
                    "IN" => (Op::NotIn, self.list()?),
                    "LIKE" => (Op::NotLike, vec![self.literal()?]),
                    other => return Err(GaqlError::Unexpected(other.to_owned())),
                },
                "IS" => {
                    if self.is_keyword("NOT") {
                        self.at += 1;
                        self.keyword("NULL")?;
                        (Op::IsNotNull, Vec::new())
                    } else {
                        self.keyword("NULL")?;
                        (Op::IsNull, Vec::new())
                    }
                }
                _ => return Err(GaqlError::Unexpected(word)),
            },
            other => return Err(unexpected(&other)),
        };
        Ok(Condition { field, op, values })
    }
}

fn unexpected(token: &Token) -> GaqlError {
    GaqlError::Unexpected(match token {
        Token::Word(word) => word.clone(),
        Token::Text(text) => format!("'{text}'"),
        Token::Symbol(symbol) => (*symbol).to_owned(),
    })
}

pub(crate) fn parse(text: &str) -> Result<Query, GaqlError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
    };
    parser.keyword("SELECT")?;
    let mut fields = vec![parser.word()?];
    while matches!(parser.peek(), Some(Token::Symbol(","))) {
        parser.at += 1;
        fields.push(parser.word()?);
    }
    parser.keyword("FROM")?;
    let resource = parser.word()?;
    let mut conditions = Vec::new();
    if parser.is_keyword("WHERE") {
        parser.at += 1;
        conditions.push(parser.condition()?);
        while parser.is_keyword("AND") {
            parser.at += 1;
            conditions.push(parser.condition()?);
        }
    }
    let mut order_by = Vec::new();
    if parser.is_keyword("ORDER") {
        parser.at += 1;
        parser.keyword("BY")?;
        loop {
            let field = parser.word()?;
            let mut ascending = true;
            if parser.is_keyword("DESC") {
                ascending = false;
                parser.at += 1;
            } else if parser.is_keyword("ASC") {
                parser.at += 1;
            }
            order_by.push((field, ascending));
            if matches!(parser.peek(), Some(Token::Symbol(","))) {
                parser.at += 1;
            } else {
                break;
            }
        }
    }
    let mut limit = None;
    if parser.is_keyword("LIMIT") {
        parser.at += 1;
        let value = parser.word()?;
        limit = Some(value.parse().map_err(|_| GaqlError::Unexpected(value))?);
    }
    // PARAMETERS (e.g. omit_unselected_resource_names) change nothing here.
    if parser.is_keyword("PARAMETERS") {
        parser.at = parser.tokens.len();
    }
    if let Some(token) = parser.peek() {
        return Err(unexpected(token));
    }
    Ok(Query {
        fields,
        resource,
        conditions,
        order_by,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_airbyte_daily_query() {
        let query = parse("SELECT campaign.id, segments.date, metrics.cost_micros FROM campaign WHERE segments.date BETWEEN '2024-06-01' AND '2024-06-14' AND campaign.status != 'REMOVED' ORDER BY segments.date ASC LIMIT 10").unwrap();
        assert_eq!(
            query.fields,
            ["campaign.id", "segments.date", "metrics.cost_micros"]
        );
        assert_eq!(query.resource, "campaign");
        assert_eq!(query.conditions[0].op, Op::Between);
        assert_eq!(query.conditions[0].values, ["2024-06-01", "2024-06-14"]);
        assert_eq!(query.conditions[1].op, Op::Ne);
        assert_eq!(query.limit, Some(10));
        assert!(parse("SELECT campaign.id FROM").is_err());
        assert!(parse("SELECT campaign.id FROM campaign WHERE campaign.id IN (1, 2) AND campaign.name LIKE '%x%'").is_ok());
    }
}

//! `#[corio::main]` and `#[corio::test]`: run an `async fn` on a fresh
//! corio loop. Written on `proc_macro` alone: the attributes only need to
//! find `async`, the name, the return type and the body, so a hand-written
//! scan of the tokens does, without `syn` and `quote` in every user's build.
//!
//! Use them through the `corio` crate: `#[corio::main]`, `#[corio::test]`.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs an `async fn main` on a fresh corio loop, as `asyncio.run(main())`.
///
/// ```ignore
/// #[corio::main]
/// async fn main() {
///     corio::sleep(std::time::Duration::from_millis(1)).await;
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    if let Some(first) = args.into_iter().next() {
        return error(first.span(), "#[corio::main] takes no options", item);
    }
    expand(item, "main", |body| call(&["corio", "run"], body))
}

/// Runs an `async fn` test on a fresh corio loop.
///
/// Options, combinable: `virtual_time` (a virtual clock), `seed = N`
/// (shuffle each turn's ready work with seed `N`; a failure prints the seed
/// to replay it with `CORIO_SEED`), `debug` (debug mode).
///
/// ```ignore
/// #[corio::test(virtual_time, seed = 7)]
/// async fn sleeps_an_hour() {
///     corio::sleep(std::time::Duration::from_secs(3600)).await;
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let builder = match builder_for(args) {
        Ok(builder) => builder,
        Err((span, message)) => return error(span, &message, item),
    };
    let mut expanded: TokenStream = "#[::core::prelude::v1::test]".parse().unwrap();
    let body = expand(item, "test", |body| {
        let mut args: Vec<TokenTree> = builder.clone().into_iter().collect();
        args.push(Punct::new(',', Spacing::Alone).into());
        args.extend(async_move(body));
        path_call(&["corio", "__private", "run_test"], args.into_iter().collect())
    });
    expanded.extend(body);
    expanded
}

/// The `Runner::builder()…` expression for the test's options.
fn builder_for(args: TokenStream) -> Result<TokenStream, (Span, String)> {
    let mut builder = String::from("::corio::Runner::builder()");
    let mut tokens = args.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let TokenTree::Ident(option) = &token else {
            return Err((token.span(), format!("expected an option of #[corio::test], found `{token}`")));
        };
        match option.to_string().as_str() {
            "virtual_time" => builder.push_str(".virtual_time(true)"),
            "debug" => builder.push_str(".debug(true)"),
            "seed" => {
                match tokens.next() {
                    Some(TokenTree::Punct(eq)) if eq.as_char() == '=' => {}
                    other => {
                        let span = other.as_ref().map_or(option.span(), TokenTree::span);
                        return Err((span, "expected `seed = <number>`".to_owned()));
                    }
                }
                match tokens.next() {
                    Some(TokenTree::Literal(seed)) if seed.to_string().parse::<u64>().is_ok() => {
                        builder.push_str(&format!(".shuffle({seed})"));
                    }
                    other => {
                        let span = other.as_ref().map_or(option.span(), TokenTree::span);
                        return Err((span, "the seed must be a whole number, as in `seed = 7`".to_owned()));
                    }
                }
            }
            unknown => {
                return Err((
                    option.span(),
                    format!("unknown option `{unknown}` of #[corio::test]: expected `virtual_time`, `seed = N` or `debug`"),
                ));
            }
        }
        match tokens.next() {
            None => break,
            Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => {}
            Some(other) => return Err((other.span(), "expected `,` between options".to_owned())),
        }
    }
    Ok(builder.parse().unwrap())
}

/// Rewrites `[attrs] [vis] async fn name() [-> T] { body }` into
/// `[attrs] [vis] fn name() [-> T] { wrap(body) }`, or reports misuse at the
/// token that shows it.
fn expand(item: TokenStream, what: &str, wrap: impl FnOnce(Group) -> TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let is_ident =
        |token: &TokenTree, word: &str| matches!(token, TokenTree::Ident(ident) if ident.to_string() == word);
    let Some(fn_index) = tokens.iter().position(|token| is_ident(token, "fn")) else {
        return error(Span::call_site(), &format!("#[corio::{what}] goes on an `async fn`"), item);
    };
    let Some(async_index) = tokens[..fn_index].iter().position(|token| is_ident(token, "async")) else {
        return error(tokens[fn_index].span(), &format!("#[corio::{what}] needs an `async fn`"), item);
    };
    match tokens.get(fn_index + 2) {
        Some(TokenTree::Group(params)) if params.delimiter() == Delimiter::Parenthesis => {
            if !params.stream().is_empty() {
                return error(params.span(), &format!("#[corio::{what}] functions take no arguments"), item);
            }
        }
        Some(other) => {
            return error(other.span(), &format!("#[corio::{what}] functions cannot be generic"), item)
        }
        None => return error(tokens[fn_index].span(), "expected the function's name and arguments", item),
    }
    let Some(TokenTree::Group(body)) = tokens.last() else {
        return error(tokens[fn_index].span(), "expected the function's body", item);
    };
    let mut out: TokenStream = tokens[..async_index].iter().cloned().collect();
    out.extend(tokens[async_index + 1..tokens.len() - 1].iter().cloned());
    out.extend([TokenTree::Group(Group::new(Delimiter::Brace, wrap(body.clone())))]);
    out
}

/// `::a::b(async move { body })`.
fn call(path: &[&str], body: Group) -> TokenStream {
    path_call(path, async_move(body).into_iter().collect())
}

fn async_move(body: Group) -> Vec<TokenTree> {
    vec![
        Ident::new("async", Span::call_site()).into(),
        Ident::new("move", Span::call_site()).into(),
        TokenTree::Group(body),
    ]
}

fn path_call(path: &[&str], args: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    for segment in path {
        out.extend([
            TokenTree::Punct(Punct::new(':', Spacing::Joint)),
            TokenTree::Punct(Punct::new(':', Spacing::Alone)),
            TokenTree::Ident(Ident::new(segment, Span::call_site())),
        ]);
    }
    out.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, args))]);
    out
}

/// `compile_error!(message)` at `span`, followed by the item unchanged, so
/// that the error is the only one reported.
fn error(span: Span, message: &str, item: TokenStream) -> TokenStream {
    let mut literal = Literal::string(message);
    literal.set_span(span);
    let mut tokens: Vec<TokenTree> = vec![
        TokenTree::Punct(Punct::new(':', Spacing::Joint)),
        TokenTree::Punct(Punct::new(':', Spacing::Alone)),
        Ident::new("core", span).into(),
        TokenTree::Punct(Punct::new(':', Spacing::Joint)),
        TokenTree::Punct(Punct::new(':', Spacing::Alone)),
        Ident::new("compile_error", span).into(),
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenTree::Literal(literal).into())),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ];
    for token in &mut tokens {
        token.set_span(span);
    }
    let mut out: TokenStream = tokens.into_iter().collect();
    out.extend(item);
    out
}

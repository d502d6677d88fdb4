//! Kept responses sent compressed: the content coding a client accepts (zstd, Brotli or gzip,
//! from its `Accept-Encoding`), and each entry's copy in that coding, compressed once and sent
//! as is on every hit after.
//!
//! A hit's cost is sending its bytes: a dashboard's answer is hundreds of kilobytes of JSON,
//! and copying it into the socket is most of the gateway's work on a hit. Compressed, it is a
//! tenth of that. Responses that are not kept (the cache off, errors, writes) are sent as
//! they are: compressing each would cost more than it saves on a data centre's network. So
//! are answers under [`MIN_COMPRESSED_BYTES`].

use actix_web::HttpRequest;
use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, Header, Preference, Quality,
};
use actix_web::{HttpResponse, HttpResponseBuilder};
use bytes::Bytes;

/// A content coding a kept response can be sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Zstd,
    Brotli,
    Gzip,
}

/// zstd's default level. dashboard-bench measures its 376 KiB answer at 0.5 ms to 38 KiB in
/// zstd, 6 ms to 37 KiB in Brotli and 5 ms to 44 KiB in gzip (default level), each paid once
/// per entry.
const ZSTD_LEVEL: i32 = 3;
/// Brotli's quality (of 11) and window (2^22 bytes).
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW_BITS: u32 = 22;

/// Answers smaller than this are sent as they are: compressing one saves less than a packet,
/// and a few dozen bytes can come out larger.
pub const MIN_COMPRESSED_BYTES: usize = 1024;

impl Coding {
    /// Every coding, in the order an entry holds its copies.
    pub const ALL: [Coding; 3] = [Coding::Zstd, Coding::Brotli, Coding::Gzip];

    /// Where an entry holds its copy in this coding.
    pub fn slot(self) -> usize {
        self as usize
    }

    /// The coding a request accepts best, or `None` to send the response as it is: the
    /// highest quality its `Accept-Encoding` gives, and among equals the first of
    /// [`Coding::ALL`] (browsers list gzip first and zstd last, all at the same quality).
    pub fn accepted_by(request: &HttpRequest) -> Option<Coding> {
        let AcceptEncoding(accepted) = AcceptEncoding::parse(request).ok()?;
        let quality_of = |coding: Coding| {
            let named = Preference::Specific(Encoding::Known(coding.content_encoding()));
            accepted
                .iter()
                .find(|item| item.item == named)
                .or_else(|| accepted.iter().find(|item| item.item == Preference::Any))
                .map(|item| item.quality)
        };
        let (best, quality) = Coding::ALL
            .into_iter()
            .rev()
            .filter_map(|coding| Some((coding, quality_of(coding)?)))
            .max_by_key(|&(_, quality)| quality)?;
        let plain_preferred = accepted.iter().any(|item| {
            item.item == Preference::Specific(Encoding::identity()) && item.quality > quality
        });
        (quality > Quality::ZERO && !plain_preferred).then_some(best)
    }

    /// The coding to send `body` in, to a client that accepts `accepted`.
    pub fn for_body(accepted: Option<Coding>, body: &[u8]) -> Option<Coding> {
        accepted.filter(|_| body.len() >= MIN_COMPRESSED_BYTES)
    }

    /// The `Content-Encoding` of a body in this coding.
    pub fn content_encoding(self) -> ContentEncoding {
        match self {
            Coding::Zstd => ContentEncoding::Zstd,
            Coding::Brotli => ContentEncoding::Brotli,
            Coding::Gzip => ContentEncoding::Gzip,
        }
    }

    /// `body` compressed in this coding.
    pub fn compress(self, body: &[u8]) -> std::io::Result<Bytes> {
        use std::io::Write;
        let compressed = match self {
            Coding::Zstd => zstd::bulk::compress(body, ZSTD_LEVEL)?,
            Coding::Brotli => {
                let mut writer = brotli::CompressorWriter::new(
                    Vec::with_capacity(body.len() / 8),
                    32 * 1024,
                    BROTLI_QUALITY,
                    BROTLI_WINDOW_BITS,
                );
                writer.write_all(body)?;
                writer.flush()?;
                writer.into_inner()
            }
            Coding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 8),
                    flate2::Compression::default(),
                );
                encoder.write_all(body)?;
                encoder.finish()?
            }
        };
        Ok(Bytes::from(compressed))
    }
}

/// A response body and the coding it is in (`None`: as it is).
#[derive(Clone, Debug)]
pub struct Coded {
    pub bytes: Bytes,
    pub coding: Option<Coding>,
}

impl Coded {
    /// A body sent as it is.
    pub fn plain(bytes: Bytes) -> Coded {
        Coded {
            bytes,
            coding: None,
        }
    }

    /// The `200 application/json` response carrying this body. It says the coding, and that
    /// the coding follows the request's `Accept-Encoding` (for HTTP caches on the way).
    pub fn into_json_response(self) -> HttpResponse {
        let mut response: HttpResponseBuilder = HttpResponse::Ok();
        response
            .content_type("application/json")
            .insert_header((header::VARY, "accept-encoding"));
        if let Some(coding) = self.coding {
            response.insert_header((header::CONTENT_ENCODING, coding.content_encoding()));
        }
        response.body(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use actix_web::test::TestRequest;
    use std::io::Read;

    fn accepted(header: Option<&str>) -> Option<Coding> {
        let mut request = TestRequest::default();
        if let Some(header) = header {
            request = request.insert_header((header::ACCEPT_ENCODING, header));
        }
        Coding::accepted_by(&request.to_http_request())
    }

    #[test]
    fn the_client_chooses_among_the_codings_offered() {
        assert_eq!(accepted(None), None);
        assert_eq!(accepted(Some("identity")), None);
        assert_eq!(accepted(Some("gzip")), Some(Coding::Gzip));
        assert_eq!(
            accepted(Some("gzip, deflate, br, zstd")),
            Some(Coding::Zstd)
        );
        assert_eq!(accepted(Some("gzip, deflate, br")), Some(Coding::Brotli));
        assert_eq!(accepted(Some("gzip;q=0.5, br;q=0.8")), Some(Coding::Brotli));
        assert_eq!(accepted(Some("zstd;q=0.2, gzip;q=0.9")), Some(Coding::Gzip));
        assert_eq!(accepted(Some("*")), Some(Coding::Zstd));
        assert_eq!(accepted(Some("*, zstd;q=0")), Some(Coding::Brotli));
        assert_eq!(accepted(Some("identity, gzip;q=0.5")), None);
        assert_eq!(accepted(Some("compress, deflate")), None);
        assert_eq!(accepted(Some("gzip;q=0")), None);
    }

    #[test]
    fn each_coding_decodes_to_the_body() {
        let body: Vec<u8> = (0..20_000)
            .flat_map(|n| format!("{{\"id\":{n},\"name\":\"Campaign {n}\"}},").into_bytes())
            .collect();
        for coding in Coding::ALL {
            let compressed = coding.compress(&body).unwrap();
            assert!(compressed.len() * 4 < body.len(), "{coding:?}");
            let mut decoded = Vec::new();
            match coding {
                Coding::Zstd => decoded = zstd::decode_all(compressed.as_ref()).unwrap(),
                Coding::Brotli => {
                    brotli::Decompressor::new(compressed.as_ref(), 4096)
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
                Coding::Gzip => {
                    flate2::read::GzDecoder::new(compressed.as_ref())
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
            }
            assert_eq!(decoded, body, "{coding:?}");
        }
    }
}

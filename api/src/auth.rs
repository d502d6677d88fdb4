//! Who is calling: bearer JWTs verified with a configured key, the caller's role, and the
//! company a company role belongs to.
//!
//! Tokens are HS256 (shared secret) or RS256/ES256 (public key in a PEM file). `exp` and `nbf`
//! are always enforced; `iss` and `aud` when configured. Claims: `sub` (the user), `role`, and
//! `company_id` for the company roles.

use std::str::FromStr;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::domain::policy::{Caller, Role};
use crate::error::AppError;

/// The claims a token carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Uuid>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// How tokens are checked.
#[derive(Clone)]
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

/// Supported signature algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Hs256,
    Rs256,
    Es256,
}

impl FromStr for KeyAlgorithm {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_uppercase().as_str() {
            "HS256" => Ok(KeyAlgorithm::Hs256),
            "RS256" => Ok(KeyAlgorithm::Rs256),
            "ES256" => Ok(KeyAlgorithm::Es256),
            other => Err(format!(
                "unsupported JWT algorithm {other} (use HS256, RS256 or ES256)"
            )),
        }
    }
}

impl TokenVerifier {
    /// A verifier for HS256 tokens signed with `secret`.
    pub fn hs256(secret: &[u8], issuer: Option<&str>, audience: Option<&str>) -> TokenVerifier {
        Self::new(
            DecodingKey::from_secret(secret),
            Algorithm::HS256,
            issuer,
            audience,
        )
    }

    /// A verifier for RS256 or ES256 tokens, given the signer's public key in PEM.
    pub fn public_key(
        algorithm: KeyAlgorithm,
        pem: &[u8],
        issuer: Option<&str>,
        audience: Option<&str>,
    ) -> Result<TokenVerifier, String> {
        let (key, algorithm) = match algorithm {
            KeyAlgorithm::Rs256 => (DecodingKey::from_rsa_pem(pem), Algorithm::RS256),
            KeyAlgorithm::Es256 => (DecodingKey::from_ec_pem(pem), Algorithm::ES256),
            KeyAlgorithm::Hs256 => return Err("HS256 takes a secret, not a public key".to_owned()),
        };
        let key = key.map_err(|error| format!("cannot read the JWT public key: {error}"))?;
        Ok(Self::new(key, algorithm, issuer, audience))
    }

    fn new(
        key: DecodingKey,
        algorithm: Algorithm,
        issuer: Option<&str>,
        audience: Option<&str>,
    ) -> TokenVerifier {
        let mut validation = Validation::new(algorithm);
        validation.leeway = 5;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // A configured issuer or audience must also be present: jsonwebtoken checks them only
        // when the token carries them, and a token without them would otherwise pass.
        let mut required = vec!["exp", "sub"];
        required.extend(issuer.map(|_| "iss"));
        required.extend(audience.map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        if let Some(issuer) = issuer {
            validation.set_issuer(&[issuer]);
        }
        match audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        TokenVerifier { key, validation }
    }

    /// The caller a bearer token names, or `UNAUTHENTICATED` saying what is wrong with it.
    pub fn verify(&self, token: &str) -> Result<Caller, AppError> {
        use jsonwebtoken::errors::ErrorKind;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(
            |error| {
                AppError::Unauthenticated(
                    match error.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired",
                        ErrorKind::ImmatureSignature => "the token is not valid yet",
                        ErrorKind::InvalidSignature => "the token's signature is not valid",
                        ErrorKind::InvalidAudience => "the token is for another audience",
                        ErrorKind::InvalidIssuer => "the token is from another issuer",
                        ErrorKind::InvalidAlgorithm => "the token is signed with another algorithm",
                        ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                        _ => "the token is malformed",
                    }
                    .to_owned(),
                )
            },
        )?;
        let claims = data.claims;
        match (claims.role.is_company_role(), claims.company_id) {
            (true, None) => Err(AppError::Unauthenticated(
                "a company role needs a company_id claim".to_owned(),
            )),
            (false, Some(_)) => Err(AppError::Unauthenticated(
                "only company roles carry a company_id claim".to_owned(),
            )),
            _ => Ok(Caller {
                subject: claims.sub,
                role: claims.role,
                company_id: claims.company_id,
                expires_at: claims.exp,
            }),
        }
    }

    /// The caller of an `Authorization` header value (`Bearer <token>`).
    pub fn verify_header(&self, header: Option<&str>) -> Result<Caller, AppError> {
        let header = header.ok_or_else(|| {
            AppError::Unauthenticated("sign in: send Authorization: Bearer <token>".to_owned())
        })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| {
                AppError::Unauthenticated(
                    "the Authorization header must be `Bearer <token>`".to_owned(),
                )
            })?;
        self.verify(token.trim())
    }
}

/// Signs an HS256 token (development mode and tests).
pub fn sign_hs256(secret: &[u8], claims: &Claims) -> Result<String, String> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|error| format!("cannot sign a token: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_the_token_spellings() {
        for role in [
            Role::Admin,
            Role::CompanyAdmin,
            Role::CompanyViewer,
            Role::Ingestion,
            Role::ProgramStaff,
            Role::CommunityModerator,
        ] {
            assert_eq!(serde_json::to_value(role).unwrap(), role.name());
        }
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn claims(role: Role, company_id: Option<Uuid>, exp: i64) -> Claims {
        Claims {
            sub: "user-1".into(),
            role,
            company_id,
            exp,
            nbf: None,
            iss: None,
            aud: None,
        }
    }

    #[test]
    fn a_valid_token_names_its_caller() {
        let verifier = TokenVerifier::hs256(b"secret", None, None);
        let company = Uuid::new_v4();
        let token = sign_hs256(
            b"secret",
            &claims(Role::CompanyViewer, Some(company), now() + 60),
        )
        .unwrap();
        let caller = verifier
            .verify_header(Some(&format!("Bearer {token}")))
            .unwrap();
        assert_eq!(
            (caller.role, caller.company_id),
            (Role::CompanyViewer, Some(company))
        );
    }

    #[test]
    fn expired_wrongly_signed_and_misdirected_tokens_are_refused() {
        let verifier = TokenVerifier::hs256(b"secret", Some("platform"), Some("gateway"));
        let mut good = claims(Role::Admin, None, now() + 60);
        good.iss = Some("platform".into());
        good.aud = Some("gateway".into());
        assert!(
            verifier
                .verify(&sign_hs256(b"secret", &good).unwrap())
                .is_ok()
        );
        let mut expired = good.clone();
        expired.exp = now() - 600;
        let mut early = good.clone();
        early.nbf = Some(now() + 600);
        let mut elsewhere = good.clone();
        elsewhere.aud = Some("billing".into());
        for (token, why) in [
            (sign_hs256(b"secret", &expired).unwrap(), "expired"),
            (sign_hs256(b"secret", &early).unwrap(), "not valid yet"),
            (sign_hs256(b"other", &good).unwrap(), "signature"),
            (sign_hs256(b"secret", &elsewhere).unwrap(), "audience"),
            ("not.a.token".to_owned(), "malformed"),
        ] {
            match verifier.verify(&token) {
                Err(AppError::Unauthenticated(message)) => {
                    assert!(message.contains(why), "{message}")
                }
                other => panic!("{why}: {other:?}"),
            }
        }
    }

    #[test]
    fn company_roles_need_exactly_a_company() {
        let verifier = TokenVerifier::hs256(b"secret", None, None);
        let token = sign_hs256(b"secret", &claims(Role::CompanyAdmin, None, now() + 60)).unwrap();
        assert!(verifier.verify(&token).is_err());
        let token = sign_hs256(
            b"secret",
            &claims(Role::Admin, Some(Uuid::new_v4()), now() + 60),
        )
        .unwrap();
        assert!(verifier.verify(&token).is_err());
    }
}

/// The gateway's authentication: how tokens are verified and, in development mode, the admin
/// token handed to GraphiQL.
#[derive(Clone)]
pub struct Auth {
    pub verifier: TokenVerifier,
    /// Set only in development mode.
    pub development_token: Option<String>,
}

/// How long the development admin token stays valid.
const DEVELOPMENT_TOKEN_HOURS: i64 = 12;

impl Auth {
    /// Authentication from settings. Without a key, development mode is used when allowed
    /// (the flag, or the embedded SQLite database); otherwise start-up is refused.
    pub fn from_settings(
        settings: &crate::config::AuthSettings,
        embedded: bool,
    ) -> Result<Auth, String> {
        let issuer = settings.jwt_issuer.as_deref();
        let audience = settings.jwt_audience.as_deref();
        if let Some(secret) = settings.jwt_secret.as_deref().filter(|s| !s.is_empty()) {
            if secret.len() < 32 {
                return Err("JWT_SECRET must be at least 32 characters".to_owned());
            }
            return Ok(Auth {
                verifier: TokenVerifier::hs256(secret.as_bytes(), issuer, audience),
                development_token: None,
            });
        }
        if let Some(path) = &settings.jwt_public_key_file {
            let pem = std::fs::read(path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            let algorithm: KeyAlgorithm = settings.jwt_algorithm.parse()?;
            return Ok(Auth {
                verifier: TokenVerifier::public_key(algorithm, &pem, issuer, audience)?,
                development_token: None,
            });
        }
        if !(settings.insecure_dev_auth || embedded) {
            return Err(
                "no JWT key is configured: set JWT_SECRET or JWT_PUBLIC_KEY_FILE, or pass \
                        --insecure-dev-auth for local development only"
                    .to_owned(),
            );
        }
        Auth::development(issuer, audience)
    }

    /// Development mode: a random secret and a short-lived admin token signed with it.
    pub fn development(issuer: Option<&str>, audience: Option<&str>) -> Result<Auth, String> {
        let secret: [u8; 32] = rand::random();
        let claims = Claims {
            sub: "development-admin".to_owned(),
            role: Role::Admin,
            company_id: None,
            exp: chrono::Utc::now().timestamp() + DEVELOPMENT_TOKEN_HOURS * 3600,
            nbf: None,
            iss: issuer.map(str::to_owned),
            aud: audience.map(str::to_owned),
        };
        let token = sign_hs256(&secret, &claims)?;
        Ok(Auth {
            verifier: TokenVerifier::hs256(&secret, issuer, audience),
            development_token: Some(token),
        })
    }
}

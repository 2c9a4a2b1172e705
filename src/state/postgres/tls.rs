//! TLS for the PostgreSQL connections with rustls and the aws-lc-rs provider
//! reqwest already uses, by libpq's `sslmode` rules:
//!
//! | mode | encrypted | certificate chain | host name |
//! |---|---|---|---|
//! | disable | no | – | – |
//! | prefer | if the server offers it | checked only with a root file | no |
//! | require | yes | checked only with a root file | no |
//! | verify-ca | yes | checked | no |
//! | verify-full | yes | checked | checked |
//!
//! "A root file" is `sslrootcert` (or `PGSSLROOTCERT`, or
//! `~/.postgresql/root.crt` when it exists), as libpq upgrades `require` to
//! `verify-ca` when that file exists. Without one, verify modes trust the
//! system's certificate store. Client certificates (`sslcert`) are not
//! supported.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use super::{PostgresError, SslMode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RootCerts {
    /// A PEM file of certificate authorities.
    File(PathBuf),
    /// The operating system's trust store.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TlsSettings {
    pub mode: SslMode,
    pub root: RootCerts,
}

impl std::fmt::Display for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sslmode {}", self.mode)?;
        match (self.checks_chain(), &self.root) {
            (false, _) if self.mode == SslMode::Disable => Ok(()),
            (false, _) => f.write_str(", certificate unverified"),
            (true, RootCerts::File(path)) => write!(f, ", CA {}", path.display()),
            (true, RootCerts::System) => f.write_str(", system CAs"),
        }
    }
}

impl TlsSettings {
    fn checks_chain(&self) -> bool {
        match self.mode {
            SslMode::Disable => false,
            SslMode::Prefer | SslMode::Require => matches!(self.root, RootCerts::File(_)),
            SslMode::VerifyCa | SslMode::VerifyFull => true,
        }
    }

    /// The rustls configuration, or `None` for `disable`.
    pub(super) fn client_config(&self) -> Result<Option<rustls::ClientConfig>, PostgresError> {
        if self.mode == SslMode::Disable {
            return Ok(None);
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = if !self.checks_chain() {
            Arc::new(Unverified(Arc::clone(&provider)))
        } else {
            let chain = self.chain_verifier(&provider)?;
            if self.mode == SslMode::VerifyFull {
                chain
            } else {
                Arc::new(AnyName(chain))
            }
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(PostgresError::Tls)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Some(config))
    }

    fn chain_verifier(
        &self,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Arc<dyn ServerCertVerifier>, PostgresError> {
        match &self.root {
            RootCerts::System => Ok(Arc::new(
                rustls_platform_verifier::Verifier::new(Arc::clone(provider))
                    .map_err(PostgresError::Tls)?,
            )),
            RootCerts::File(path) => {
                let bad = |reason: String| PostgresError::RootCert {
                    path: path.clone(),
                    reason,
                };
                let mut roots = rustls::RootCertStore::empty();
                let certificates =
                    CertificateDer::pem_file_iter(path).map_err(|error| bad(error.to_string()))?;
                for certificate in certificates {
                    let certificate = certificate.map_err(|error| bad(error.to_string()))?;
                    roots
                        .add(certificate)
                        .map_err(|error| bad(error.to_string()))?;
                }
                if roots.is_empty() {
                    return Err(bad("it holds no PEM certificate".into()));
                }
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots),
                    Arc::clone(provider),
                )
                .build()
                .map(|verifier| verifier as Arc<dyn ServerCertVerifier>)
                .map_err(|error| bad(error.to_string()))
            }
        }
    }
}

/// `verify-ca`: the chain must be trusted; the name on it may be any.
#[derive(Debug)]
struct AnyName(Arc<dyn ServerCertVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root file: encrypted, not
/// authenticated (libpq's behaviour). The handshake's signatures are still
/// checked, so the peer holds the key of the certificate it sent.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_is_checked() {
        let settings = |mode, root| TlsSettings { mode, root }.to_string();
        let file = || RootCerts::File(PathBuf::from("/ca.pem"));
        assert_eq!(settings(SslMode::Disable, file()), "sslmode disable");
        assert_eq!(
            settings(SslMode::Require, RootCerts::System),
            "sslmode require, certificate unverified"
        );
        assert_eq!(
            settings(SslMode::Require, file()),
            "sslmode require, CA /ca.pem"
        );
        assert_eq!(
            settings(SslMode::VerifyFull, RootCerts::System),
            "sslmode verify-full, system CAs"
        );
    }

    #[test]
    fn a_root_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let settings = TlsSettings {
            mode: SslMode::VerifyFull,
            root: RootCerts::File(path),
        };
        let error = settings.client_config().unwrap_err().to_string();
        assert!(error.contains("no PEM certificate"), "{error}");
    }

    #[test]
    fn every_mode_builds_a_configuration_with_system_roots() {
        for mode in [
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            let settings = TlsSettings {
                mode,
                root: RootCerts::System,
            };
            assert!(settings.client_config().unwrap().is_some(), "{mode}");
        }
    }
}

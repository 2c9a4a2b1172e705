//! How Google's errors are mapped, and the token never shown.

use super::*;

#[tokio::test]
async fn client_errors_keep_googles_message_and_are_not_retried() {
    let cases = [
        (
            400,
            google_error(
                400,
                "FAILED_PRECONDITION",
                "Entitlement is not active.",
                Some("NOT_ACTIVE"),
            ),
            ErrorKind::FailedPrecondition,
            Some("NOT_ACTIVE"),
        ),
        (
            400,
            google_error(
                400,
                "INVALID_ARGUMENT",
                "Domain is malformed.",
                Some("INVALID_VALUE"),
            ),
            ErrorKind::InvalidArgument,
            Some("INVALID_VALUE"),
        ),
        (
            404,
            google_error(404, "NOT_FOUND", "Customer not found.", None),
            ErrorKind::NotFound,
            None,
        ),
        (
            409,
            google_error(
                409,
                "ALREADY_EXISTS",
                "The SKU was already purchased.",
                None,
            ),
            ErrorKind::AlreadyExists,
            None,
        ),
        (
            403,
            legacy_error(
                403,
                "forbidden",
                "Not Authorized to access this resource/api",
            ),
            ErrorKind::PermissionDenied,
            Some("forbidden"),
        ),
        (
            401,
            google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid credentials.",
                None,
            ),
            ErrorKind::Unauthenticated,
            None,
        ),
    ];
    for (status, body, kind, reason) in cases {
        let server = MockServer::start().await;
        script_check(
            &server,
            ResponseTemplate::new(status).set_body_json(body.clone()),
            100,
        )
        .await;
        let provider = provider(&server, retry(5, 30)).await;
        let error = provider.check_account("acme.se", None).await.unwrap_err();
        let api = error.api().unwrap_or_else(|| panic!("{error:?}"));
        assert_eq!(api.kind, kind, "{body}");
        assert_eq!(api.reason.as_deref(), reason);
        assert_eq!(api.message, body["error"]["message"].as_str().unwrap());
        assert_eq!(
            api.method,
            "cloudchannel.accounts.checkCloudIdentityAccountsExist"
        );
        assert_eq!(
            calls(&server, CHECK_PATH).await,
            1,
            "{body} must not be retried"
        );
    }
}

#[tokio::test]
async fn the_token_is_sent_but_never_shown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHECK_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(400).set_body_json(google_error(
            400,
            "INVALID_ARGUMENT",
            "bad",
            None,
        )))
        .mount(&server)
        .await;
    let settings = ProviderSettings::new(
        ProviderKind::Sandbox,
        ACCOUNT,
        Arc::new(StaticToken::new(TOKEN)),
    )
    .with_base_url(server.uri());
    assert!(!format!("{settings:?}").contains(TOKEN));
    let provider = connect(settings).await.unwrap();
    let error = provider.check_account("acme.se", None).await.unwrap_err();
    assert_eq!(
        error.kind(),
        Some(ErrorKind::InvalidArgument),
        "the bearer token was not sent"
    );
    assert!(!error.to_string().contains(TOKEN));
    assert!(!format!("{error:?}").contains(TOKEN));
}

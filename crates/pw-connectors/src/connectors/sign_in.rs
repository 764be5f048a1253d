//! Signing in in the system browser: a sign-in is begun (its listener open, the consent page's
//! address handed back), then finished when the browser comes back, or stopped. A fixed port is
//! held by one sign-in at a time: a new one on it ends the one waiting.

use pw_secrets::Secret;
use tokio_util::sync::CancellationToken;

use super::{AuthKind, ConnectionView, Connectors, SignInConnect, SignInStarted, TokenConnect};
use crate::error::{ConnectorError, Result};
use crate::oauth;

impl Connectors {
    /// Starts a sign-in in the system browser: the consent page's address to open, and the
    /// id to finish it with once the person has approved.
    pub async fn begin_sign_in(&self, request: SignInConnect) -> Result<SignInStarted> {
        oauth::admit(
            request.platform,
            &request.client_id,
            request.client_secret.as_ref().map(Secret::expose),
        )?;
        self.require_workspace(request.workspace_id).await?;
        let hosts = crate::connector::Hosts::of(request.platform, request.api_root.as_deref());
        let port = oauth::listening_port(request.platform, request.redirect_port);
        // A fixed port is held by the sign-in before this one until it ends; a new sign-in
        // means the person gave up on that one (a closed form, another platform), so it ends.
        let replaced = port != 0 && self.stop_sign_ins_on(port).await;
        let mut tries = 0;
        let pending = loop {
            match oauth::begin(
                request.platform,
                &hosts,
                &request.client_id,
                request.redirect_port,
            )
            .await
            {
                // The stopped sign-in lets go of the port as its wait ends, a moment later.
                Err(ConnectorError::Invalid(_)) if replaced && tries < 40 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                other => break other?,
            }
        };
        let started = SignInStarted {
            sign_in_id: pw_domain::new_id(),
            authorize_url: pending.authorize_url.clone(),
            redirect_uri: pending.redirect_uri.clone(),
        };
        self.sign_ins
            .lock()
            .await
            .insert(started.sign_in_id.clone(), (request, pending));
        self.sign_in_stops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(started.sign_in_id.clone(), (CancellationToken::new(), port));
        Ok(started)
    }

    /// Stops every sign-in listening on `port`; whether there was one.
    async fn stop_sign_ins_on(&self, port: u16) -> bool {
        let stopped: Vec<String> = self
            .sign_in_stops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|(_, (_, listening))| *listening == port)
            .map(|(id, (stop, _))| {
                stop.cancel();
                id.clone()
            })
            .collect();
        let mut waiting = self.sign_ins.lock().await;
        for id in &stopped {
            waiting.remove(id);
        }
        !stopped.is_empty()
    }

    /// Waits (up to `within`) for the browser to come back to a sign-in, then connects with the
    /// tokens it brought (checked against the platform like a pasted token).
    pub async fn finish_sign_in(
        &self,
        sign_in_id: &str,
        within: std::time::Duration,
    ) -> Result<ConnectionView> {
        let Some((request, pending)) = self.sign_ins.lock().await.remove(sign_in_id) else {
            return Err(ConnectorError::Invalid(
                "this sign-in has ended; start it again".into(),
            ));
        };
        let stop = self
            .sign_in_stops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(sign_in_id)
            .map(|(stop, _)| stop.clone())
            .unwrap_or_default();
        let finishing = pending.finish(
            &request.client_id,
            request.client_secret.as_ref().map(Secret::expose),
            &self.http,
            within,
        );
        let signed_in = tokio::select! {
            signed_in = finishing => signed_in,
            () = stop.cancelled() => Err(ConnectorError::Invalid("the sign-in was stopped".into())),
        };
        self.sign_in_stops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(sign_in_id);
        let signed_in = signed_in?;
        self.connect(TokenConnect {
            workspace_id: request.workspace_id,
            platform: request.platform,
            access_token: Secret::new(signed_in.access_token),
            refresh_token: signed_in.refresh_token.map(Secret::new),
            expires_in: signed_in.expires_in,
            label: request.label,
            api_root: request.api_root,
            client_id: Some(request.client_id),
            client_secret: request.client_secret,
            developer_token: request.developer_token,
            auth_kind: AuthKind::Oauth,
        })
        .await
    }

    /// Stops waiting for a sign-in: a late approval in the browser then connects nothing.
    pub async fn cancel_sign_in(&self, sign_in_id: &str) {
        if let Some(stop) = self
            .sign_in_stops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(sign_in_id)
        {
            stop.0.cancel();
        }
        self.sign_ins.lock().await.remove(sign_in_id);
    }
}

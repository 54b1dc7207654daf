-- A session is a refresh-token family (its id is the access tokens' `sid`). Sessions
-- ended within the access-token lifetime are re-read whenever the change feed
-- (re)connects: this index keeps that read off a full scan of every token ever issued.
CREATE INDEX refresh_tokens_revoked_at_idx ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
-- Ending every session of one account (deactivation, role change, a password set by
-- an operator) finds its tokens by user.
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

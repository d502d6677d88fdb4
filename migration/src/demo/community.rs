//! Demo community directory: members, invitations, relationships, participation and highlights.

use super::*;

impl Generator<'_> {
    pub(super) async fn community<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        const TIERS: [(i32, &str); 5] = [
            (0, "Novice"),
            (100, "Contributor"),
            (300, "Regular"),
            (600, "Expert"),
            (1000, "Legend"),
        ];
        let count = 30usize;
        let mut members = Vec::new();
        let mut member_ids = Vec::new();
        for index in 0..count {
            let member_id = format!("#{}", 200 + index);
            let reputation = self.rng.random_range(0..1200);
            let tier = TIERS
                .iter()
                .rev()
                .find(|(floor, _)| reputation >= *floor)
                .map(|(_, t)| *t)
                .unwrap_or("Novice");
            let verified = index % 3 == 0;
            let last_active_days_ago = self.rng.random_range(0..20);
            let first = *self.pick(FIRST_NAMES);
            let last = *self.pick(LAST_NAMES);
            members.push(
                entity::community_member::Model {
                    id: self.id(),
                    member_id: member_id.clone(),
                    telegram_id: format!("{}", 700_000_000 + index * 7919),
                    telegram_username: Some(format!("{}_{}", slug(first), index)),
                    name: format!("{first} {last}"),
                    primary_role: (*self.pick(&["developer", "designer", "founder", "student"])).to_owned(),
                    organization: None,
                    country: Some((*self.pick(&["Mexico", "Colombia", "Argentina", "Peru", "Chile"])).to_owned()),
                    github_username: verified.then(|| format!("{}-{}", slug(first), index)),
                    github_verified: verified,
                    github_verified_at: verified.then(|| self.naive(50)),
                    github_profile_data: verified.then(|| serde_json::json!({ "publicRepos": self.rng.random_range(1..60), "followers": self.rng.random_range(0..300) })),
                    status: if index % 10 == 9 { MemberStatus::Inactive } else { MemberStatus::Active },
                    reputation_score: reputation,
                    reputation_tier: Some(tier.to_owned()),
                    // Each member after the first was invited by an earlier one.
                    invited_by: (index > 0).then(|| format!("#{}", 200 + index / 2)),
                    registration_fee_paid: Some(index % 2 == 0),
                    registration_fee_tx_hash: None,
                    profile_data: None,
                    created_at: self.naive(120 - index as u64),
                    updated_at: self.naive(10),
                    last_active_at: Some(self.naive(last_active_days_ago)),
                    deleted_at: (index == count - 1).then(|| self.naive(3)),
                }
                .into_active_model(),
            );
            member_ids.push(member_id);
        }
        // Members reference their inviters, so insert in order: the first, then the rest.
        let mut members = members.into_iter();
        let first: Vec<_> = members.by_ref().take(1).collect();
        insert_all(db, first).await?;
        self.summary.community_members = 1 + insert_all(db, members.collect()).await?;

        let mut invitations = Vec::new();
        for index in 0..40usize {
            let code: String = (0..16)
                .map(|_| *self.pick(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789".as_ref()) as char)
                .collect();
            let status = match index % 4 {
                0 => InvitationStatus::Accepted,
                1 => InvitationStatus::Expired,
                _ => InvitationStatus::Pending,
            };
            let created = self.naive(30 - (index as u64 % 25));
            invitations.push(
                entity::community_invitation::Model {
                    invitation_id: self.id(),
                    invitation_code: code,
                    created_by: member_ids[index % member_ids.len()].clone(),
                    invited_telegram_username: Some(format!("friend_{index}")),
                    status,
                    expires_at: created + chrono::Duration::days(7),
                    accepted_by: (status == InvitationStatus::Accepted)
                        .then(|| member_ids[(index + 1) % member_ids.len()].clone()),
                    accepted_at: (status == InvitationStatus::Accepted)
                        .then(|| created + chrono::Duration::days(1)),
                    created_at: created,
                    updated_at: created,
                }
                .into_active_model(),
            );
        }
        self.summary.community_invitations = insert_all(db, invitations).await?;

        let mut participation = Vec::new();
        let mut highlights = Vec::new();
        for member in &member_ids {
            for day in 0..7u64 {
                let messages = self.rng.random_range(0..12);
                let reactions = self.rng.random_range(0..20);
                for event in 0..messages.min(3) {
                    participation.push(
                        entity::member_participation::Model {
                            id: self.id(),
                            member_id: member.clone(),
                            event_type: if event == 2 { "REACTION" } else { "MESSAGE" }.to_owned(),
                            platform: "telegram".to_owned(),
                            room_id: "frutero-general".to_owned(),
                            event_metadata: None,
                            occurred_at: self.naive(day),
                        }
                        .into_active_model(),
                    );
                }
                highlights.push(
                    entity::member_daily_highlight::Model {
                        id: self.id(),
                        member_id: member.clone(),
                        highlight_date: self.date(-(day as i64)),
                        message_count: Some(messages),
                        reaction_count: Some(reactions),
                        voice_minutes: Some(self.rng.random_range(0..30)),
                        reputation_earned: Some(messages + reactions / 2),
                        created_at: self.naive(day),
                    }
                    .into_active_model(),
                );
            }
        }
        insert_all(db, participation).await?;
        insert_all(db, highlights).await?;

        let mut relationships = Vec::new();
        for index in 1..member_ids.len() {
            relationships.push(
                entity::member_relationship::Model {
                    id: self.id(),
                    entity_id_a: member_ids[index / 2].clone(),
                    entity_id_b: member_ids[index].clone(),
                    relationship_type: "INVITED".to_owned(),
                    content: serde_json::json!({ "source": "invitation" }),
                    created_at: self.naive(100),
                    ended_at: None,
                }
                .into_active_model(),
            );
        }
        insert_all(db, relationships).await?;
        Ok(())
    }
}

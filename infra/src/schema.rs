// The tables, written once for both backends with portable types (text ids, naive UTC
// timestamps). Keep in step with migrations/sqlite and migrations/postgres.

diesel::table! {
    idempotency_keys (id) {
        id -> Text,
        scope -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    job_leases (id) {
        id -> Text,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_run_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        kind -> Text,
        username -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        must_change_password -> Bool,
        display_name -> Text,
        openid -> Nullable<Text>,
        unionid -> Nullable<Text>,
        phone -> Nullable<Text>,
        is_demo -> Bool,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        email -> Nullable<Text>,
        serves_unit_id -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        user_id -> Text,
        policy_version -> Text,
        accepted_at -> Timestamp,
    }
}

diesel::table! {
    org_units (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        kind -> Text,
        name -> Text,
        path -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grids (id) {
        id -> Text,
        org_unit_id -> Text,
        level -> Text,
        name -> Text,
        boundary -> Text,
        min_lat -> Double,
        min_lng -> Double,
        max_lat -> Double,
        max_lng -> Double,
        created_at -> Timestamp,
        code -> Nullable<Text>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    departments (id) {
        id -> Text,
        org_unit_id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    role_grants (id) {
        id -> Text,
        user_id -> Text,
        role -> Text,
        scope_kind -> Text,
        scope_id -> Text,
        granted_by -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
    }
}

diesel::table! {
    households (id) {
        id -> Text,
        org_unit_id -> Text,
        name -> Text,
        head_user_id -> Nullable<Text>,
        created_at -> Timestamp,
        grid_id -> Nullable<Text>,
    }
}

diesel::table! {
    household_members (user_id) {
        user_id -> Text,
        household_id -> Text,
        relation -> Text,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    residencies (id) {
        id -> Text,
        user_id -> Text,
        org_unit_id -> Text,
        household_id -> Nullable<Text>,
        new_household_name -> Nullable<Text>,
        relation -> Text,
        proxied_by -> Nullable<Text>,
        status -> Text,
        reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        acting_for -> Nullable<Text>,
        action -> Text,
        object_kind -> Text,
        object_id -> Text,
        details -> Text,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        seq -> Nullable<BigInt>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_chain (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
        sealed_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient_id -> Text,
        channel -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        grant_taken -> Bool,
    }
}

diesel::table! {
    subscription_grants (user_id, template_id) {
        user_id -> Text,
        template_id -> Text,
        remaining -> Integer,
        updated_at -> Timestamp,
        granted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_preferences (user_id, channel) {
        user_id -> Text,
        channel -> Text,
        enabled -> Bool,
        digest -> Text,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        data -> Text,
        delivery_key -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    announcements (id) {
        id -> Text,
        org_unit_id -> Text,
        title -> Text,
        body -> Text,
        author_id -> Text,
        created_at -> Timestamp,
        fanout_after -> Nullable<Text>,
        fanned_out -> Integer,
        fanout_done -> Bool,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_categories (code) {
        code -> Text,
        name -> Text,
        duty -> Text,
        description -> Text,
        department_id -> Nullable<Text>,
        public_by_default -> Bool,
        active -> Bool,
        sort_order -> Integer,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        category -> Text,
        description -> Text,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        cell -> Nullable<BigInt>,
        address -> Nullable<Text>,
        urgency -> Text,
        anonymous -> Bool,
        is_public -> Bool,
        reporter_id -> Text,
        client_id -> Nullable<Text>,
        grid_id -> Nullable<Text>,
        org_unit_id -> Text,
        department_id -> Nullable<Text>,
        level -> Text,
        status -> Text,
        outcome -> Nullable<Text>,
        merged_into -> Nullable<Text>,
        captured_at -> Timestamp,
        reported_at -> Timestamp,
        first_accepted_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        accept_due -> Nullable<Timestamp>,
        resolve_due -> Nullable<Timestamp>,
        confirm_due -> Nullable<Timestamp>,
        next_due -> Nullable<Timestamp>,
        overdue -> Bool,
        escalations -> Integer,
        rating -> Nullable<Integer>,
        version -> Integer,
    }
}

diesel::table! {
    case_events (id) {
        id -> Text,
        case_id -> Text,
        seq -> Integer,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        from_level -> Nullable<Text>,
        to_level -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        proxy_id -> Nullable<Text>,
        by_reporter -> Bool,
        note -> Nullable<Text>,
        attachments -> Text,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_followers (case_id, user_id) {
        case_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_units (unit_id, case_id) {
        unit_id -> Text,
        case_id -> Text,
    }
}

diesel::table! {
    media (id) {
        id -> Text,
        owner_id -> Text,
        kind -> Text,
        mime -> Text,
        size_bytes -> Integer,
        case_id -> Nullable<Text>,
        created_at -> Timestamp,
        matter_id -> Nullable<Text>,
        poll_id -> Nullable<Text>,
        visit_id -> Nullable<Text>,
        points_entry_id -> Nullable<Text>,
        notice_id -> Nullable<Text>,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Text,
        year -> Integer,
        kind -> Text,
        name -> Text,
    }
}

diesel::table! {
    open311_keys (id) {
        id -> Text,
        name -> Text,
        key_hash -> Text,
        user_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deliberation_categories (code) {
        code -> Text,
        parent_code -> Nullable<Text>,
        name -> Text,
        sort_order -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    triage_schemes (org_unit_id) {
        org_unit_id -> Text,
        scheme -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    triage_items (id) {
        id -> Text,
        org_unit_id -> Text,
        scheme -> Text,
        tier -> Text,
        title -> Text,
        description -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    matters (id) {
        id -> Text,
        scope_id -> Text,
        village_id -> Text,
        category -> Text,
        title -> Text,
        body -> Text,
        author_id -> Text,
        proxy_id -> Nullable<Text>,
        origin -> Text,
        status -> Text,
        moderation -> Text,
        moderation_note -> Text,
        scheme -> Nullable<Text>,
        tier -> Nullable<Text>,
        route -> Nullable<Text>,
        triage_item_id -> Nullable<Text>,
        triage_note -> Nullable<Text>,
        merged_into -> Nullable<Text>,
        case_id -> Nullable<Text>,
        supports -> Integer,
        opinions -> Integer,
        client_id -> Nullable<Text>,
        raised_at -> Timestamp,
        triage_due -> Nullable<Timestamp>,
        triage_flagged_at -> Nullable<Timestamp>,
        triaged_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        rating_closes_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    matter_events (id) {
        id -> Text,
        matter_id -> Text,
        kind -> Text,
        actor_id -> Nullable<Text>,
        proxy_id -> Nullable<Text>,
        status_after -> Nullable<Text>,
        note -> Text,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    matter_supports (matter_id, user_id) {
        matter_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    matter_sheets (id) {
        id -> Text,
        matter_id -> Text,
        kind -> Text,
        commitment_id -> Nullable<Text>,
        body -> Text,
        status -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    solicitations (matter_id) {
        matter_id -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    opinions (id) {
        id -> Text,
        matter_id -> Text,
        parent_id -> Nullable<Text>,
        author_id -> Text,
        proxy_id -> Nullable<Text>,
        body -> Text,
        moderation -> Text,
        moderation_note -> Text,
        supports -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    opinion_supports (opinion_id, user_id) {
        opinion_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    moderation_words (word) {
        word -> Text,
        added_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliberation_members (id) {
        id -> Text,
        village_id -> Text,
        user_id -> Nullable<Text>,
        name -> Text,
        kind -> Text,
        contact -> Nullable<Text>,
        note -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    matter_stakeholders (id) {
        id -> Text,
        matter_id -> Text,
        member_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        name -> Text,
        invited_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    village_documents (id) {
        id -> Text,
        village_id -> Text,
        kind -> Text,
        version -> Integer,
        title -> Text,
        body -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meetings (id) {
        id -> Text,
        village_id -> Text,
        scope_id -> Text,
        title -> Text,
        mode -> Text,
        courtyard -> Bool,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        place -> Nullable<Text>,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        link -> Nullable<Text>,
        capacity -> Nullable<Integer>,
        registration -> Bool,
        status -> Text,
        minutes -> Nullable<Text>,
        organiser_id -> Text,
        announced_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        held_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    meeting_invitees (id) {
        id -> Text,
        meeting_id -> Text,
        user_id -> Nullable<Text>,
        member_id -> Nullable<Text>,
        name -> Text,
        rsvp -> Text,
        rsvp_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_agenda (meeting_id, matter_id) {
        meeting_id -> Text,
        matter_id -> Text,
        position -> Integer,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    meeting_checkin_codes (meeting_id) {
        meeting_id -> Text,
        code_hash -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_attendance (meeting_id, user_id) {
        meeting_id -> Text,
        user_id -> Text,
        method -> Text,
        recorded_by -> Nullable<Text>,
        checked_in_at -> Timestamp,
    }
}

diesel::table! {
    courtyard_items (matter_id) {
        matter_id -> Text,
        meeting_id -> Text,
        speaker_id -> Nullable<Text>,
        anonymous -> Bool,
        answer_due -> Timestamp,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        revisit_due -> Nullable<Timestamp>,
        revisit_note -> Nullable<Text>,
        revisited_at -> Nullable<Timestamp>,
        overdue_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    resolutions (matter_id) {
        matter_id -> Text,
        decided_by -> Text,
        body -> Text,
        meeting_id -> Nullable<Text>,
        vote_ref -> Nullable<Text>,
        recorded_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    agreements (id) {
        id -> Text,
        matter_id -> Text,
        body -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agreement_parties (id) {
        id -> Text,
        agreement_id -> Text,
        user_id -> Nullable<Text>,
        name -> Text,
        acknowledged_at -> Nullable<Timestamp>,
        method -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    commitments (id) {
        id -> Text,
        matter_id -> Text,
        agreement_id -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        owner_committee -> Nullable<Text>,
        what -> Text,
        due_at -> Timestamp,
        status -> Text,
        extensions -> Integer,
        done_at -> Nullable<Timestamp>,
        overdue_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    commitment_progress (id) {
        id -> Text,
        commitment_id -> Text,
        author_id -> Text,
        body -> Text,
        done -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (matter_id, user_id) {
        matter_id -> Text,
        user_id -> Text,
        rating -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    matter_revisits (id) {
        id -> Text,
        matter_id -> Text,
        visitor_id -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    board_cadre_posts (id) {
        id -> Text,
        org_unit_id -> Text,
        person_id -> Text,
        title -> Text,
        duties -> Text,
        phone -> Nullable<Text>,
        position -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    board_supervision (org_unit_id) {
        org_unit_id -> Text,
        committee -> Text,
        phone -> Nullable<Text>,
        address -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    board_documents (id) {
        id -> Text,
        org_unit_id -> Text,
        kind -> Text,
        version -> Integer,
        status -> Text,
        title -> Text,
        body -> Text,
        powers -> Text,
        poll_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        in_force_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(grids -> org_units (org_unit_id));
diesel::joinable!(departments -> org_units (org_unit_id));
diesel::joinable!(residencies -> org_units (org_unit_id));
diesel::joinable!(household_members -> households (household_id));
diesel::joinable!(households -> org_units (org_unit_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(case_followers -> cases (case_id));

diesel::table! {
    polls (id) {
        id -> Text,
        scope_id -> Text,
        village_id -> Text,
        title -> Text,
        description -> Text,
        kind -> Text,
        max_choices -> Nullable<Integer>,
        secrecy -> Text,
        electorate -> Text,
        results -> Text,
        shuffle -> Bool,
        quorum_percent -> Nullable<Integer>,
        threshold -> Nullable<Text>,
        status -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        electorate_size -> Nullable<Integer>,
        roll_hash -> Nullable<Text>,
        board_digest -> Nullable<Text>,
        outcome -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        matter_id -> Nullable<Text>,
        contest_id -> Nullable<Text>,
        reminded_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    poll_options (id) {
        id -> Text,
        poll_id -> Text,
        position -> Integer,
        text -> Text,
        media_id -> Nullable<Text>,
        idea_id -> Nullable<Text>,
    }
}

diesel::table! {
    poll_roll (poll_id, voter_key) {
        poll_id -> Text,
        voter_key -> Text,
    }
}

diesel::table! {
    poll_participation (poll_id, voter_key) {
        poll_id -> Text,
        voter_key -> Text,
        voter_id -> Text,
        origin -> Text,
        recorded_by -> Nullable<Text>,
        voted_on -> Date,
    }
}

diesel::table! {
    ballots (id) {
        id -> Text,
        poll_id -> Text,
        choices -> Text,
        receipt -> Text,
        origin -> Text,
        voter_id -> Nullable<Text>,
        cast_on -> Date,
    }
}

diesel::table! {
    contests (id) {
        id -> Text,
        scope_id -> Text,
        village_id -> Text,
        title -> Text,
        description -> Text,
        submit_opens_at -> Timestamp,
        submit_closes_at -> Timestamp,
        vote_opens_at -> Timestamp,
        vote_closes_at -> Timestamp,
        status -> Text,
        poll_id -> Nullable<Text>,
        winners -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        max_choices -> Nullable<Integer>,
        cancel_reason -> Nullable<Text>,
        announced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ideas (id) {
        id -> Text,
        contest_id -> Text,
        author_id -> Text,
        title -> Text,
        body -> Text,
        moderation -> Text,
        moderation_note -> Text,
        status -> Text,
        created_at -> Timestamp,
        votes -> Nullable<Integer>,
        rank -> Nullable<Integer>,
    }
}

diesel::joinable!(poll_options -> polls (poll_id));
diesel::joinable!(ballots -> polls (poll_id));

diesel::table! {
    grid_staff (grid_id, user_id) {
        grid_id -> Text,
        user_id -> Text,
        employment -> Nullable<Text>,
        contact -> Nullable<Text>,
        contact_unmasked -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    grid_groups (grid_id) {
        grid_id -> Text,
        link -> Nullable<Text>,
        qr_media_id -> Nullable<Text>,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    care_households (household_id) {
        household_id -> Text,
        needs -> Text,
        interval_days -> Integer,
        working_days -> Bool,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        grid_id -> Text,
        org_unit_id -> Text,
        household_id -> Text,
        visitor_id -> Text,
        client_id -> Nullable<Text>,
        kind -> Text,
        met -> Text,
        note -> Text,
        info_items -> Integer,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        case_id -> Nullable<Text>,
        visited_at -> Timestamp,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    patrols (id) {
        id -> Text,
        grid_id -> Text,
        org_unit_id -> Text,
        walker_id -> Text,
        client_id -> Nullable<Text>,
        status -> Text,
        note -> Text,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        point_count -> Integer,
        distance_m -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    patrol_points (patrol_id, seq) {
        patrol_id -> Text,
        seq -> Integer,
        lat -> Double,
        lng -> Double,
        at -> Timestamp,
    }
}

diesel::table! {
    patrol_hazards (case_id) {
        case_id -> Text,
        patrol_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(patrol_points -> patrols (patrol_id));
diesel::joinable!(patrol_hazards -> patrols (patrol_id));
diesel::joinable!(visits -> households (household_id));
diesel::joinable!(care_households -> households (household_id));

diesel::table! {
    points_rule_sets (id) {
        id -> Text,
        org_unit_id -> Text,
        version -> Integer,
        status -> Text,
        note -> Text,
        base_points -> Text,
        star_thresholds -> Text,
        poll_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    points_rules (id) {
        id -> Text,
        rule_set_id -> Text,
        code -> Text,
        name -> Text,
        category -> Text,
        points -> Integer,
        cap -> Nullable<Integer>,
        cap_period -> Nullable<Text>,
        subject -> Text,
        automatic -> Nullable<Text>,
        recorders -> Text,
        claimable -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    points_postings (id) {
        id -> Text,
        org_unit_id -> Text,
        kind -> Text,
        title -> Text,
        status -> Text,
        opened_at -> Timestamp,
        ends_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        created_by -> Text,
    }
}

diesel::table! {
    points_entries (id) {
        id -> Text,
        org_unit_id -> Text,
        user_id -> Text,
        rule_id -> Text,
        rule_code -> Text,
        subject -> Text,
        points -> Integer,
        note -> Text,
        occurred_on -> Date,
        status -> Text,
        source -> Text,
        source_ref -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        reject_reason -> Nullable<Text>,
        posting_id -> Nullable<Text>,
        effective_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_objections (id) {
        id -> Text,
        posting_id -> Text,
        entry_id -> Nullable<Text>,
        household_id -> Nullable<Text>,
        objector_id -> Text,
        reason -> Text,
        status -> Text,
        answer -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_accounts (id) {
        id -> Text,
        org_unit_id -> Text,
        holder -> Text,
        holder_id -> Text,
        subject -> Text,
        balance -> BigInt,
        earned -> BigInt,
        seq -> BigInt,
        last_hash -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_ledger (id) {
        id -> Text,
        account_id -> Text,
        seq -> BigInt,
        org_unit_id -> Text,
        kind -> Text,
        points -> BigInt,
        reference -> Text,
        memo -> Text,
        at -> Timestamp,
        hash -> Text,
    }
}

diesel::table! {
    points_items (id) {
        id -> Text,
        org_unit_id -> Text,
        kind -> Text,
        name -> Text,
        description -> Text,
        price -> Integer,
        stock -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_orders (id) {
        id -> Text,
        item_id -> Text,
        org_unit_id -> Text,
        user_id -> Text,
        quantity -> Integer,
        points -> Integer,
        status -> Text,
        handled_by -> Nullable<Text>,
        handled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    volunteer_teams (id) {
        id -> Text,
        org_unit_id -> Text,
        name -> Text,
        leader_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    volunteer_team_members (team_id, user_id) {
        team_id -> Text,
        user_id -> Text,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    service_sessions (id) {
        id -> Text,
        team_id -> Text,
        org_unit_id -> Text,
        title -> Text,
        served_on -> Date,
        status -> Text,
        recorded_by -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reject_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    service_hours (session_id, user_id) {
        session_id -> Text,
        user_id -> Text,
        minutes -> Integer,
    }
}

diesel::table! {
    points_dividends (id) {
        id -> Text,
        org_unit_id -> Text,
        title -> Text,
        total_fen -> BigInt,
        cut_off -> Date,
        status -> Text,
        posting_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_dividend_shares (dividend_id, household_id) {
        dividend_id -> Text,
        household_id -> Text,
        points -> BigInt,
        fen -> BigInt,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        org_unit_id -> Text,
        subject -> Text,
        body -> Text,
        named_user_id -> Nullable<Text>,
        named_name -> Nullable<Text>,
        township_only -> Bool,
        status -> Text,
        follow_up_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    report_messages (id) {
        id -> Text,
        report_id -> Text,
        kind -> Text,
        body -> Text,
        status -> Nullable<Text>,
        author_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    report_attachments (id) {
        id -> Text,
        report_id -> Text,
        kind -> Text,
        mime -> Text,
        size_bytes -> Integer,
    }
}

diesel::table! {
    report_quota (filer_hash, slot) {
        filer_hash -> Text,
        slot -> BigInt,
        day -> Date,
    }
}

diesel::joinable!(points_rules -> points_rule_sets (rule_set_id));
diesel::joinable!(points_ledger -> points_accounts (account_id));
diesel::joinable!(points_orders -> points_items (item_id));
diesel::joinable!(volunteer_team_members -> volunteer_teams (team_id));
diesel::joinable!(service_hours -> service_sessions (session_id));
diesel::joinable!(points_dividend_shares -> points_dividends (dividend_id));
diesel::joinable!(report_messages -> reports (report_id));
diesel::joinable!(report_attachments -> reports (report_id));

diesel::table! {
    notices (id) {
        id -> Text,
        org_unit_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        is_public -> Bool,
        posted_from -> Timestamp,
        posted_to -> Timestamp,
        status -> Text,
        withdraw_reason -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notice_objections (id) {
        id -> Text,
        notice_id -> Text,
        objector_id -> Text,
        reason -> Text,
        status -> Text,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notice_board_codes (org_unit_id) {
        org_unit_id -> Text,
        scene -> Text,
        mime -> Text,
        image -> Binary,
        created_at -> Timestamp,
    }
}

diesel::joinable!(notice_objections -> notices (notice_id));

diesel::joinable!(board_cadre_posts -> users (person_id));

diesel::table! {
    ranking_configs (id) {
        id -> Text,
        org_unit_id -> Text,
        version -> Integer,
        weights -> Text,
        lists -> Text,
        dimensions -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contest_scores (id) {
        id -> Text,
        township_id -> Text,
        village_id -> Text,
        year -> Integer,
        dimension -> Text,
        score -> Double,
        reason -> Text,
        entered_by -> Text,
        entered_at -> Timestamp,
    }
}

diesel::table! {
    leadership_gradings (id) {
        id -> Text,
        org_unit_id -> Text,
        term -> Integer,
        poll_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(leadership_gradings -> polls (poll_id));

diesel::allow_tables_to_appear_in_same_query!(
    idempotency_keys,
    job_leases,
    users,
    sessions,
    refresh_tokens,
    consents,
    org_units,
    grids,
    departments,
    role_grants,
    households,
    household_members,
    residencies,
    audit_chain,
    audit_log,
    outbox,
    notifications,
    subscription_grants,
    notification_preferences,
    announcements,
    case_categories,
    cases,
    case_events,
    case_followers,
    case_units,
    media,
    calendar_days,
    open311_keys,
    deliberation_categories,
    triage_schemes,
    triage_items,
    matters,
    matter_events,
    matter_supports,
    matter_sheets,
    solicitations,
    opinions,
    opinion_supports,
    moderation_words,
    deliberation_members,
    matter_stakeholders,
    village_documents,
    meetings,
    meeting_invitees,
    meeting_agenda,
    meeting_checkin_codes,
    meeting_attendance,
    courtyard_items,
    resolutions,
    agreements,
    agreement_parties,
    commitments,
    commitment_progress,
    evaluations,
    matter_revisits,
    polls,
    poll_options,
    poll_roll,
    poll_participation,
    ballots,
    contests,
    ideas,
    grid_staff,
    grid_groups,
    care_households,
    visits,
    patrols,
    patrol_points,
    patrol_hazards,
    points_rule_sets,
    points_rules,
    points_postings,
    points_entries,
    points_objections,
    points_accounts,
    points_ledger,
    points_items,
    points_orders,
    volunteer_teams,
    volunteer_team_members,
    service_sessions,
    service_hours,
    points_dividends,
    points_dividend_shares,
    reports,
    report_messages,
    report_attachments,
    report_quota,
    notices,
    notice_objections,
    notice_board_codes,
    board_cadre_posts,
    board_supervision,
    board_documents,
    ranking_configs,
    contest_scores,
    leadership_gradings,
);

package dev.flashsale.api;

import dev.flashsale.auditlog.Actor;
import dev.flashsale.identity.CurrentUser;
import jakarta.servlet.http.HttpServletRequest;

/** The admin behind a request, as the audit log records them: who, and from which address. */
final class AdminActors {

    private AdminActors() {
    }

    static Actor of(HttpServletRequest request) {
        return new Actor(CurrentUser.auditName().orElse(Actor.ANONYMOUS), request.getRemoteAddr());
    }
}

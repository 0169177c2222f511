package dev.flashsale.identity;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.flashsale.auditlog.Actor;
import dev.flashsale.auditlog.AuditAction;
import dev.flashsale.auditlog.AuditLog;
import dev.flashsale.auditlog.AuditOutcome;
import dev.flashsale.limits.AdminLockout;

/**
 * A wrong admin key, wherever it was presented: counted against the client address (which may
 * lock it out) and recorded in the audit log with the lockout it caused, never with the key. A
 * log that cannot be written costs a WARN line, not the 401: how many such entries one address can
 * cause is bounded by the lockout.
 */
class RefusedAdminKeys {

    private final AdminLockout lockout;
    private final AuditLog audit;

    RefusedAdminKeys(AdminLockout lockout, AuditLog audit) {
        this.lockout = lockout;
        this.audit = audit;
    }

    /**
     * @param action {@link AuditAction#ADMIN_SIGN_IN} or {@link AuditAction#ADMIN_KEY}
     * @param target what the key was sent with (a request), or null
     * @param via    where it was presented, for the log line
     */
    void refused(String address, AuditAction action, String target, String via) {
        Optional<Duration> lockedOutFor = lockout.failed(address, via);
        Actor nobody = Actor.anonymous(address);
        audit.recordOrWarn(nobody, action, target, null, AuditOutcome.REFUSED);
        lockedOutFor.ifPresent(duration -> audit.recordOrWarn(nobody, AuditAction.ADMIN_LOCKOUT, null,
                Map.of("lockedOutFor", duration.toString()), AuditOutcome.REFUSED));
    }
}

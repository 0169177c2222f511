package dev.flashsale.identity;

import java.time.Instant;

import dev.flashsale.web.Envelope;
import dev.flashsale.web.ProblemBody;
import dev.flashsale.web.Problems;
import dev.flashsale.web.Texts;
import dev.flashsale.web.TooManyRequests;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Web sessions for the front end: sign in (a signed token in an HttpOnly cookie), who am I, sign
 * out. API clients do not need these: they send their bearer token with every request.
 */
@RestController
@RequestMapping({"/api/v1/session", "/api/v1.0/session"})
class SessionController {

    private final Sessions sessions;

    SessionController(Sessions sessions) {
        this.sessions = sessions;
    }

    record SignInBody(@NotBlank(message = "is required") @Size(max = 128, message = "must be at most 128 characters")
                      @Schema(description = "the user id to act as: 1 to 128 letters, digits and . _ @ + - (white "
                              + "space around it is dropped)", example = "alice", minLength = 1,
                              pattern = "^\\s*[A-Za-z0-9._@+\\-]{1,128}\\s*$") String name) {
    }

    record AdminSignInBody(@NotBlank(message = "is required") @Size(max = 1024, message = "is too long")
                           @Schema(description = "the admin key (flashsale.security.admin-key)", minLength = 1,
                                   pattern = Texts.NOT_BLANK) String key) {
    }

    record SessionView(boolean signedIn, @Schema(nullable = true) String userId, boolean admin,
                       @Schema(nullable = true) Instant expiresAt,
                       @Schema(description = "ways of signing in this instance offers (null in a sign-in's answer)",
                               nullable = true) Sessions.Offer signIn) {
    }

    /** The success body of a sign-in, which answers a problem too: for the API documentation only. */
    @Schema(name = "EnvelopeSessionView")
    record SessionEnvelope(boolean success, SessionView data) {
    }

    @GetMapping
    @Operation(summary = "Who the caller is (signedIn=false if nobody), and the ways to sign in here")
    @ApiResponse(responseCode = "200", description = "the session")
    Envelope<SessionView> current() {
        Sessions.Session s = sessions.current();
        return Envelope.ok(new SessionView(s.signedIn(), s.userId(), s.admin(), s.expiresAt(), sessions.offer()));
    }

    @PostMapping
    @Operation(summary = "Demo sign-in by name (only where flashsale.security.demo-sign-in is on)")
    @ApiResponse(responseCode = "200", description = "signed in; the session cookie is set",
            content = @Content(schema = @Schema(implementation = SessionEnvelope.class)))
    @ApiResponse(responseCode = "400", description = "the name is not a valid user id (VALIDATION_FAILED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "403", description = "sign-in by name is switched off (SIGN_IN_DISABLED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> signIn(@Valid @RequestBody SignInBody body, HttpServletRequest request) {
        return answer(sessions.signIn(body.name().strip(), request.isSecure()));
    }

    @PostMapping("/admin")
    @Operation(summary = "Admin sign-in with the admin key")
    @ApiResponse(responseCode = "200", description = "signed in as admin; the session cookie is set",
            content = @Content(schema = @Schema(implementation = SessionEnvelope.class)))
    @ApiResponse(responseCode = "401", description = "wrong key (UNAUTHENTICATED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "403", description = "no admin key configured (SIGN_IN_DISABLED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    @ApiResponse(responseCode = "429", description = "too many wrong keys from this address: locked out, whatever key "
            + "is sent, until Retry-After has passed (RATE_LIMITED)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemBody.class)))
    ResponseEntity<?> signInAdmin(@Valid @RequestBody AdminSignInBody body, HttpServletRequest request) {
        return answer(sessions.signInAdmin(body.key(), request.getRemoteAddr(), request.isSecure()));
    }

    @DeleteMapping
    @Operation(summary = "Sign out: the session's token (cookie, or bearer) is revoked everywhere and the cookie removed")
    @ApiResponse(responseCode = "204", description = "signed out")
    ResponseEntity<Void> signOut(HttpServletRequest request) {
        sessions.signOut(request);
        return ResponseEntity.noContent()
                .header(HttpHeaders.SET_COOKIE, SessionCookie.cleared(request.isSecure()).toString())
                .build();
    }

    private static ResponseEntity<?> answer(Sessions.Outcome outcome) {
        return switch (outcome) {
            case Sessions.SignedIn(var session, var cookie) -> ResponseEntity.ok()
                    .header(HttpHeaders.SET_COOKIE, cookie.toString())
                    .body(Envelope.ok(new SessionView(true, session.userId(), session.admin(), session.expiresAt(), null)));
            case Sessions.Refused(var status, var code, var message) -> Problems.response(status, code, message);
            case Sessions.LockedOut(var retryAfter) -> TooManyRequests.response(retryAfter,
                    "Too many wrong admin keys from your address; try again later");
        };
    }
}

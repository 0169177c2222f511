package dev.flashsale.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Instant;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * A sale window's edge: from 2000 to 2999 (UTC). Anything else is a mistake (a number read as
 * seconds since 1970, a year typed wrong) or a date the database's timestamp cannot hold as sent
 * (before the Gregorian calendar, or past year 294,276).
 */
@Documented
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = SaleMoment.Check.class)
@interface SaleMoment {

    Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    Instant LATEST = Instant.parse("2999-12-31T23:59:59Z");

    String message() default "must be between 2000-01-01T00:00:00Z and 2999-12-31T23:59:59Z";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    final class Check implements ConstraintValidator<SaleMoment, Instant> {
        @Override
        public boolean isValid(Instant moment, ConstraintValidatorContext context) {
            return moment == null || !moment.isBefore(EARLIEST) && !moment.isAfter(LATEST);
        }
    }
}

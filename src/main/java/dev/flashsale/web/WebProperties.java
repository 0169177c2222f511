package dev.flashsale.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/** @param maxBodySize the largest request body accepted; larger ones get 413 before they are read */
@Validated
@ConfigurationProperties("flashsale.web")
public record WebProperties(@DefaultValue("16KB") DataSize maxBodySize) {

    public WebProperties {
        if (maxBodySize.toBytes() < 1) {
            throw new IllegalArgumentException("flashsale.web.max-body-size must be positive");
        }
    }
}

package dev.flashsale.support;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** One read of {@code /actuator/prometheus}, as Prometheus scrapes it (with the metrics token), parsed. */
public final class Scrape {

    public static final String METRICS_TOKEN = "test-metrics-token-0123456789";

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)");
    private static final Pattern HELP = Pattern.compile("^# HELP (\\S+)(?: (.*))?$");

    /** A series: its name, labels and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, String> help = new LinkedHashMap<>();

    private Scrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            Matcher type = TYPE.matcher(line);
            Matcher helpLine = HELP.matcher(line);
            if (type.find()) {
                types.put(type.group(1), type.group(2));
            } else if (helpLine.find()) {
                help.put(helpLine.group(1), helpLine.group(2) == null ? "" : helpLine.group(2));
            } else if (!line.startsWith("#")) {
                Matcher sample = SAMPLE.matcher(line);
                if (sample.find()) {
                    Map<String, String> labels = new HashMap<>();
                    if (sample.group(2) != null) {
                        Matcher label = LABEL.matcher(sample.group(2));
                        while (label.find()) {
                            labels.put(label.group(1), label.group(2));
                        }
                    }
                    samples.add(new Sample(sample.group(1), Map.copyOf(labels), Double.parseDouble(sample.group(3))));
                }
            }
        }
    }

    public static Scrape of(Api api) {
        Api.Reply reply = api.get("/actuator/prometheus", "Authorization", "Bearer " + METRICS_TOKEN);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return new Scrape(reply.text());
    }

    public String text() {
        return text;
    }

    /** The series of that name whose labels include the given pairs (name, value, name, value...). */
    public List<Sample> series(String name, String... labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> {
                    for (int i = 0; i + 1 < labels.length; i += 2) {
                        if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                            return false;
                        }
                    }
                    return true;
                })
                .toList();
    }

    /** The value of the one series of that name with those labels; fails if there is none or several. */
    public double value(String name, String... labels) {
        List<Sample> found = series(name, labels);
        assertThat(found).as("%s %s in the scrape", name, List.of(labels)).hasSize(1);
        return found.getFirst().value();
    }

    /**
     * Every name a query may use: each series' name, and each declared family's (a histogram's or
     * summary's base name with {@code _bucket}, {@code _count}, {@code _sum}).
     */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        samples.forEach(s -> names.add(s.name()));
        types.forEach((name, type) -> {
            names.add(name);
            if (type.equals("histogram") || type.equals("summary")) {
                names.add(name + "_count");
                names.add(name + "_sum");
                if (type.equals("histogram")) {
                    names.add(name + "_bucket");
                }
            }
        });
        return names;
    }

    /** Each family's HELP text, by name. */
    public Map<String, String> help() {
        return help;
    }
}

package dev.dropscope.model;

import java.util.Objects;

/**
 * One line of the doctor's report.
 *
 * @param id      stable identifier for scripts, e.g. "source.netdm", "privileges.cap_net_admin"
 * @param status  the verdict
 * @param title   short label for the text table, e.g. "NET_DM"
 * @param summary one sentence: what was found
 * @param detail  supporting facts (file names, ids, errno), or null
 * @param fix     what to do about it, or null when nothing needs doing
 */
public record Check(String id, CheckStatus status, String title, String summary, String detail, String fix) {
    public Check {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(summary, "summary");
    }

    public static Check of(String id, CheckStatus status, String title, String summary) {
        return new Check(id, status, title, summary, null, null);
    }

    public Check withDetail(String newDetail) {
        return new Check(id, status, title, summary, newDetail, fix);
    }

    public Check withFix(String newFix) {
        return new Check(id, status, title, summary, detail, newFix);
    }

    public boolean isOk() {
        return status == CheckStatus.OK;
    }
}

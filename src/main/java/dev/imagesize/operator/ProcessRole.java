package dev.imagesize.operator;

/** What one process runs once it knows the cluster answers: the operator's work or the analyzer's. */
public interface ProcessRole {

    /** Starts the role's work. */
    void start();

    /** Stops it; called once at shutdown. */
    void stop();

    /** Whether the role serves: its watches are synced (and, for the operator, the webhook has its certificate). */
    boolean isReady();

    /** The role in a few words, for the start-up line. */
    String describe();
}

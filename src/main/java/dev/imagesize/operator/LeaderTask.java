package dev.imagesize.operator;

/** Work that only the leader does: started when this replica starts leading, stopped when it stops. */
public interface LeaderTask {

    /** Starts the work; called once per term of leadership. */
    void startLeading();

    /** Stops the work and forgets what only a leader needs; called at the end of each term. */
    void stopLeading();
}

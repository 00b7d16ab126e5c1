package call

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// offer brings the participant's senders in line with the room's tracks
// and, if anything changed (or this is the first offer), sends an offer.
// The offer carries the server's candidate: gathering is waited for, and
// the server never trickles.
func (p *Participant) offer() (sent bool, err error) {
	changed, err := p.reconcile()
	if err != nil {
		return false, err
	}
	if !changed && p.offers > 0 {
		return false, nil
	}
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return false, fmt.Errorf("cannot make an offer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return false, fmt.Errorf("cannot set the offer: %v", err)
	}
	gatherTimeout := time.NewTimer(p.room.unit.cfg.ConnectTimeout)
	defer gatherTimeout.Stop()
	select {
	case <-gathered:
	case <-p.left:
		return false, errLeaving
	case <-gatherTimeout.C:
		return false, errors.New("ICE gathering did not complete")
	}
	text, err := p.withAllowances(p.pc.LocalDescription().SDP)
	if err != nil {
		return false, fmt.Errorf("cannot mark the offer's bitrates: %v", err)
	}
	p.offers++
	p.offerOut = true
	p.signalOffer(text)
	return true, nil
}

// reconcile adds a sendonly transceiver for each room track the
// participant does not receive yet, in the room's order, and removes the
// senders of tracks gone. Each added track gets a fresh transceiver rather
// than pion's AddTrack, which may pick one of the receiving transceivers
// before the answer says which way it goes.
func (p *Participant) reconcile() (changed bool, err error) {
	want := p.room.tracksFor(p)
	wanted := make(map[*forwardTrack]bool, len(want))
	for _, t := range want {
		wanted[t] = true
	}
	for t, o := range p.sending {
		if wanted[t] {
			continue
		}
		if err := p.pc.RemoveTrack(o.sender); err != nil {
			return false, fmt.Errorf("cannot remove a track: %v", err)
		}
		delete(p.sending, t)
		p.dead++
		changed = true
	}
	for _, t := range want {
		if p.sending[t] != nil {
			continue
		}
		tr, err := p.pc.AddTransceiverFromTrack(t.local, webrtc.RTPTransceiverInit{
			Direction: webrtc.RTPTransceiverDirectionSendonly,
		})
		if err != nil {
			return false, fmt.Errorf("cannot add a track: %v", err)
		}
		o := &outgoing{track: t, sender: tr.Sender()}
		p.sending[t] = o
		p.startGoroutine(func() { p.readRTCP(o) })
		changed = true
	}
	return changed, nil
}

// withAllowances adds b=AS (the bitrate the server allows) to each
// receiving m-section of the SDP sent to the client. Pion's own local
// description stays as pion made it.
func (p *Participant) withAllowances(text string) ([]byte, error) {
	kbps := map[string]int{}
	for i, t := range p.receiving {
		kbps[t.Mid()] = p.room.unit.cfg.allowance(slots[i])
	}
	var d sdp.SessionDescription
	if err := d.UnmarshalString(text); err != nil {
		return nil, err
	}
	for _, m := range d.MediaDescriptions {
		mid, _ := m.Attribute(sdp.AttrKeyMID)
		if k, ok := kbps[mid]; ok {
			m.Bandwidth = append(m.Bandwidth, sdp.Bandwidth{Type: "AS", Bandwidth: uint64(k)})
		}
	}
	return d.Marshal()
}

func (p *Participant) applyAnswer(text []byte) error {
	err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(text)})
	if err != nil {
		return fmt.Errorf("unusable answer: %v", err)
	}
	p.offerOut = false
	p.askKeyFrames()
	return nil
}

func (p *Participant) addCandidate(text []byte) {
	var c webrtc.ICECandidateInit
	if err := json.Unmarshal(text, &c); err != nil {
		p.log.Debug("a candidate that is not JSON, ignored", "error", err)
		return
	}
	if err := p.pc.AddICECandidate(c); err != nil {
		p.log.Debug("a candidate pion refused, ignored", "error", err)
	}
}

// askKeyFrames asks the publishers of the video tracks the participant
// just started receiving for a key frame, so its decoder can start. Only
// once connected and answered: before that, a key frame would be lost.
func (p *Participant) askKeyFrames() {
	if !p.connected || p.offerOut {
		return
	}
	for _, o := range p.sending {
		if !o.keyFrameAsked {
			o.keyFrameAsked = true
			o.track.requestKeyFrame()
		}
	}
}

// readRTCP reads the subscriber's RTCP for one track (pion's interceptors,
// NACK among them, work as it is read) and passes its key frame requests
// on to the publisher.
func (p *Participant) readRTCP(o *outgoing) {
	buf := make([]byte, 1500)
	for {
		n, _, err := o.sender.Read(buf)
		if err != nil {
			return
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				o.track.requestKeyFrame()
			}
		}
	}
}
